// One rank's training loop under sharding: the same seeded batches as fit, each cut into M micro-batches of which
// this rank computes M / W; every rank evaluates the gathered parameters, so each returns the same records.
import * as E from 'fp-ts/lib/Either.js';
import type { Shape } from '../../dsl/index.js';
import { randomKey } from '../../dsl/index.js';
import type { Runtime } from '../../runtime/index.js';
import type { Layer } from '../../nn/index.js';
import { modelSpec, paramShapes } from '../../nn/index.js';
import type { Collectives, ShardState, ShardingStrategy, ShardSlice, WrapPolicy } from '../../shard/index.js';
import { createShardedStepper, flatUnits } from '../../shard/index.js';
import type { Transform } from '../../optim/index.js';
import type { ModelInput } from '../classifier-objective.js';
import { classifierObjective, featureRows } from '../classifier-objective.js';
import { batches, permutation } from '../data/shuffle.js';
import type { EpochRecord, Examples } from '../fit.js';
import { evaluator, rows } from '../fit.js';
import type { Values } from '../optimizer-runner.js';

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
  /** After each step: its number (from 1) and its mean loss. */
  readonly onStep?: (step: number, loss: number) => void;
}

export interface ShardedFitResult {
  readonly params: Values;
  readonly records: EpochRecord[];
  readonly state: ShardState;
  /** Every step's mean loss, in order. */
  readonly losses: number[];
}

/** The key a micro-batch's dropout draws from: step-major, so M = 1 uses fit's per-step key. */
export const microBatchKey = (seed: number, completedSteps: number, microBatches: number, m: number): number => randomKey(seed, (completedSteps * microBatches + m + 1) % 2 ** 24);

export const shardedFit = async (rt: Runtime, c: Collectives, config: ShardedFitConfig, params: Values, train: Examples, evalSet: Examples): Promise<E.Either<string, ShardedFitResult>> => {
  const M = config.microBatches ?? c.size;
  const B = config.batchSize;
  if (B % M !== 0) return E.left(`batchSize ${B} is not a multiple of the ${M} micro-batches`);
  const shapes = paramShapes(config.model);
  const trainable = config.trainable ?? Object.keys(shapes);
  const width = config.features.reduce((a, b) => a * b, 1);
  const objective = classifierObjective(config.model, B / M, config.features, {}, config.input ?? featureRows);
  const stepper = createShardedStepper(rt, c, { objective, shapes, units: flatUnits(modelSpec(config.model), config.policy), trainable, transform: config.transform, strategy: config.strategy, microBatches: M, ...(config.maxGradNorm === undefined ? {} : { maxGradNorm: config.maxGradNorm }) });
  if (E.isLeft(stepper)) return stepper;
  const evaluate = evaluator(rt, config.model, config.features, evalSet, config.input);
  try {
    const init = await stepper.right.init(params);
    if (E.isLeft(init)) return init;
    let s = init.right;
    const records: EpochRecord[] = [];
    const losses: number[] = [];
    const mine = Array.from({ length: M / c.size }, (_, i) => c.rank * (M / c.size) + i);
    for (let epoch = 0; epoch < config.epochs; epoch++) {
      const t0 = performance.now();
      const bs = batches(permutation(train.count, config.seed, epoch), B, true);
      let loss = 0;
      let acc = 0;
      for (const b of bs) {
        const micro = mine.map((m) => {
          const { x, y } = rows(train, b.subarray((m * B) / M, ((m + 1) * B) / M), width);
          return { x, y: Float32Array.from(y), key: Float32Array.of(microBatchKey(config.seed, s.step, M, m)) };
        });
        const out = await stepper.right.step(s, micro);
        if (E.isLeft(out)) return out;
        s = out.right.state;
        loss += out.right.metrics.loss;
        acc += out.right.metrics.accuracy ?? 0;
        losses.push(out.right.metrics.loss);
        config.onStep?.(s.step, out.right.metrics.loss);
      }
      const full = await stepper.right.gather(s);
      if (E.isLeft(full)) return full;
      const ev = await evaluate.run({ ...params, ...full.right });
      records.push({ epoch: epoch + 1, trainLoss: loss / bs.length, trainAccuracy: acc / bs.length, evalLoss: ev.loss, evalAccuracy: ev.accuracy, seconds: (performance.now() - t0) / 1000 });
    }
    const full = await stepper.right.gather(s);
    return E.map((p: Values) => ({ params: { ...params, ...p }, records, state: s, losses }))(full);
  } finally {
    stepper.right.destroy();
    evaluate.destroy();
  }
};
