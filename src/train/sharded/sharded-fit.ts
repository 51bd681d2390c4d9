// One rank's training loop under sharding: the same seeded batches as fit, each cut into M micro-batches of which
// this rank computes M / W; every rank evaluates the gathered parameters, so each returns the same records.
import * as E from 'fp-ts/lib/Either.js';
import type { Shape } from '../../dsl/index.js';
import type { Runtime } from '../../runtime/index.js';
import type { Layer } from '../../nn/index.js';
import { modelSpec, paramShapes } from '../../nn/index.js';
import type { Collectives, ShardState, ShardedStepper, ShardingStrategy, ShardSlice, WrapPolicy } from '../../shard/index.js';
import { createShardedStepper, failureMessage, flatUnits } from '../../shard/index.js';
import type { Transform } from '../../optim/index.js';
import type { ModelInput } from '../classifier-objective.js';
import { classifierObjective, featureRows } from '../classifier-objective.js';
import { shardedEpoch } from './sharded-epoch.js';
import type { EpochRecord, Examples } from '../fit.js';
import { evaluator } from '../fit.js';
import { saveCheckpoint, formatCheckpointProblem } from '../checkpoint/index.js';
import type { ShardedMeta } from './sharded-checkpoint.js';
import { loadSharded, saveSharded } from './sharded-checkpoint.js';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Values } from '../optimizer-runner.js';
import { phaseMeta } from '../scheduled-checkpoint.js';

export interface ShardedFitConfig {
  readonly model: Layer<any>;
  readonly input?: ModelInput;
  /** Elementwise (clip with maxGradNorm instead of a clipping transform), or built per rank (Child-Tuning D's masks). */
  readonly transform: Transform<any> | ((slice: ShardSlice) => Transform<any>);
  /** Default: every parameter. */
  readonly trainable?: readonly string[];
  readonly features: Shape;
  readonly epochs: number;
  readonly batchSize: number;
  readonly seed: number;
  readonly policy: WrapPolicy;
  readonly strategy: ShardingStrategy;
  /** Micro-batches per step over all ranks (default W); batchSize must be a multiple of it. */
  readonly microBatches?: number;
  readonly maxGradNorm?: number;
  /** FULL_SHARD: free each unit's gathered parameters after its forward, gather again for its backward (default true, as FSDP). */
  readonly reshardAfterForward?: boolean;
  /** After each step: its number (from 1) and its mean loss. */
  readonly onStep?: (step: number, loss: number) => void;
  /** After every epoch, before its checkpoint: its record. */
  readonly onEpoch?: (record: EpochRecord) => void;
  /** After every epoch: a sharded checkpoint in `dir` (and with `consolidated`, one whole safetensors file beside it). */
  readonly checkpoint?: { readonly dir: string; readonly config: string; readonly consolidated?: boolean };
  /** Continue from the sharded checkpoint in this folder, whatever W wrote it. */
  readonly resume?: { readonly dir: string };
}

/** The whole-state file a checkpoint folder holds beside the shards: graft's unsharded loader reads it. */
export const CONSOLIDATED_FILE = 'consolidated.safetensors';

export interface ShardedFitResult {
  readonly params: Values;
  readonly records: EpochRecord[];
  readonly state: ShardState;
  /** Every step's mean loss, in order. */
  readonly losses: number[];
}

export { microBatchKey } from './sharded-epoch.js';

export const shardedFit = async (rt: Runtime, c: Collectives, config: ShardedFitConfig, params: Values, train: Examples, evalSet: Examples): Promise<E.Either<string, ShardedFitResult>> => {
  const M = config.microBatches ?? c.size;
  const B = config.batchSize;
  if (B % M !== 0) return E.left(`batchSize ${B} is not a multiple of the ${M} micro-batches`);
  const shapes = paramShapes(config.model);
  const trainable = config.trainable ?? Object.keys(shapes);
  const width = config.features.reduce((a, b) => a * b, 1);
  const objective = classifierObjective(config.model, B / M, config.features, {}, config.input ?? featureRows);
  const units = flatUnits(modelSpec(config.model), config.policy);
  const stepper = createShardedStepper(rt, c, { objective, shapes, units, trainable, transform: config.transform, strategy: config.strategy, microBatches: M, ...(config.maxGradNorm === undefined ? {} : { maxGradNorm: config.maxGradNorm }), ...(config.reshardAfterForward === undefined ? {} : { reshardAfterForward: config.reshardAfterForward }) });
  if (E.isLeft(stepper)) return stepper;
  const evaluate = evaluator(rt, config.model, config.features, evalSet, config.input);
  try {
    let s: ShardState;
    let firstEpoch = 0;
    if (config.resume) {
      const loaded = loadSharded(config.resume.dir, { units, shapes, optShapes: stepper.right.fullOptShapes, ...(config.checkpoint ? { config: config.checkpoint.config } : {}) });
      if (E.isLeft(loaded)) return E.left(`cannot resume:\n  ${loaded.left.join('\n  ')}`);
      const restored = stepper.right.restore(loaded.right.full);
      if (E.isLeft(restored)) return restored;
      s = restored.right;
      firstEpoch = loaded.right.index.epoch;
    } else {
      const init = await stepper.right.init(params);
      if (E.isLeft(init)) return init;
      s = init.right;
    }
    const records: EpochRecord[] = [];
    const losses: number[] = [];
    for (let epoch = firstEpoch; epoch < config.epochs; epoch++) {
      const t0 = performance.now();
      const ep = await shardedEpoch(c, stepper.right, s, train, epoch, { batchSize: B, microBatches: M, seed: config.seed, width, ...(config.onStep ? { onStep: config.onStep } : {}) });
      if (E.isLeft(ep)) return ep;
      s = ep.right.state;
      losses.push(...ep.right.losses);
      const full = await stepper.right.gather(s);
      if (E.isLeft(full)) return full;
      const ev = await evaluate.run({ ...params, ...full.right });
      records.push({ epoch: epoch + 1, trainLoss: ep.right.loss, trainAccuracy: ep.right.accuracy, evalLoss: ev.loss, evalAccuracy: ev.accuracy, seconds: (performance.now() - t0) / 1000 });
      // the record goes out before the checkpoint: a stop in between leaves metrics ahead of it (trained again, the
      // same line), never behind it, since the checkpoint's collectives give a stop many turns to land
      config.onEpoch?.(records[records.length - 1]);
      if (config.checkpoint) {
        const saved = await saveCheckpoints(c, stepper.right, config.checkpoint, s, { epoch: epoch + 1, seed: config.seed, config: config.checkpoint.config }, { ...params }, shapes);
        if (E.isLeft(saved)) return saved;
      }
    }
    const full = await stepper.right.gather(s);
    return E.map((p: Values) => ({ params: { ...params, ...p }, records, state: s, losses }))(full);
  } finally {
    stepper.right.destroy();
    evaluate.destroy();
  }
};

/** The folder every rank writes into, made by rank 0 before any rank writes. */
const makeCheckpointDir = async (c: Collectives, dir: string): Promise<E.Either<string, void>> => {
  if (c.rank === 0) mkdirSync(dir, { recursive: true });
  const made = await c.barrier();
  return E.isLeft(made) ? E.left(failureMessage(made.left)) : E.right(undefined);
};

/** The sharded set, then (collectively gathered, written by rank 0) the consolidated file; a scheduled run's progress goes in both. */
export const saveCheckpoints = async (c: Collectives, stepper: ShardedStepper, o: NonNullable<ShardedFitConfig['checkpoint']>, s: ShardState, meta: ShardedMeta, params: Values, shapes: Readonly<Record<string, Shape>>): Promise<E.Either<string, void>> => {
  const made = await makeCheckpointDir(c, o.dir);
  if (E.isLeft(made)) return made;
  const sharded = await saveSharded(c, o.dir, s, meta);
  if (E.isLeft(sharded)) return E.left(`checkpoint not written:\n  ${sharded.left.join('\n  ')}`);
  if (!o.consolidated) return E.right(undefined);
  const full = await stepper.consolidate(s);
  if (E.isLeft(full)) return full;
  if (c.rank !== 0) return E.right(undefined);
  const progress = meta.schedule?.progress;
  const phase = progress ? phaseMeta(progress) : { phaseDepth: 0, phaseProgress: null };
  const saved = saveCheckpoint(join(o.dir, CONSOLIDATED_FILE), { params: { ...params, ...full.right.params }, optState: full.right.opt, meta: { step: s.step, epoch: meta.epoch, ...phase, generator: { seed: meta.seed, step: s.step }, config: meta.config }, shapes: { params: shapes, optState: stepper.fullOptShapes } });
  return E.isLeft(saved) ? E.left(`consolidated checkpoint not written:\n  ${saved.left.map(formatCheckpointProblem).join('\n  ')}`) : E.right(undefined);
};
