// One rank's part of the mnist fine-tuning job under sharding (both engines): the method's optimizer on this rank's
// pieces, clipping to 1 across ranks as the unsharded job clips, then the held-out test accuracy.
import * as E from 'fp-ts/lib/Either.js';
import * as nn from '../../nn/index.js';
import type { BackendChoice } from '../../runtime/index.js';
import { createRuntime } from '../../runtime/index.js';
import type { Collectives, ShardingStrategy, WrapPolicy } from '../../shard/index.js';
import type { EpochRecord, Examples } from '../fit.js';
import { evaluator } from '../fit.js';
import { shardedFisherMask } from './sharded-fisher.js';
import { IMAGE_SIZE } from '../data/mnist.js';
import { classCounts } from '../report/stale-head.js';
import type { JobConfig, Method } from '../mnist-job.js';
import { elementwiseTransformFor, scheduledGroupTransform, scheduledMachine } from '../mnist-job.js';
import type { Values } from '../optimizer-runner.js';
import { shardedFit } from './sharded-fit.js';
import { shardedScheduledFit } from './sharded-scheduled-fit.js';

/** The methods a sharded job runs: all of them. */
export const SHARDED_METHODS: readonly Method[] = ['full', 'scheduled', 'child-tuning-F', 'child-tuning-D'];

/** Each Linear layer is a unit of its own (FSDP's auto-wrap by class). */
export const MLP_WRAP: WrapPolicy = { classes: ['Linear'] };

export interface MnistShardInput {
  readonly cfg: JobConfig;
  readonly method: Method;
  readonly seed: number;
  readonly base: Values;
  readonly train: Examples;
  readonly validation: Examples;
  readonly test: Examples;
  readonly strategy: ShardingStrategy;
  /** Micro-batches per step over all ranks; default W. */
  readonly microBatches?: number;
  /** FULL_SHARD: FSDP's reshard_after_forward (default true). */
  readonly reshardAfterForward?: boolean;
  readonly backend?: BackendChoice;
  /** After every epoch a sharded and a consolidated checkpoint in this folder, recording the settings digest `config`. */
  readonly checkpoint?: { readonly dir: string; readonly config: string };
  /** Continue from the sharded checkpoint in `checkpoint.dir` (whatever W wrote it). */
  readonly resume?: boolean;
}

/** What a rank reports as it trains (rank 0's go to the run folder). */
export interface ShardRunEvents {
  readonly onEpoch?: (record: EpochRecord) => void;
}

export interface MnistShardResult {
  readonly testAccuracy: number;
  readonly records: EpochRecord[];
  readonly steps: number;
  readonly keptFraction?: number;
  /** Scheduled: each later phase's thaw with the epochs completed before it, and why training stopped early. */
  readonly transitions?: ReadonlyArray<{ readonly epoch: number; readonly depth: number }>;
  readonly stopReason?: string;
  /** How many test images were predicted as each class 0–9. */
  readonly predictedClasses: number[];
}

export const mnistShardRun = async (c: Collectives, input: MnistShardInput, events: ShardRunEvents = {}): Promise<E.Either<string, MnistShardResult>> => {
  const { cfg, method, seed } = input;
  const rt = await createRuntime({ backend: input.backend });
  try {
    const model = nn.mlpClassifier([IMAGE_SIZE, cfg.hidden, 10]);
    const shapes = nn.paramShapes(model);
    const totalSteps = cfg.finetuneEpochs * Math.floor(input.train.count / cfg.batchSize);
    const stepOptions = { ...(input.microBatches ? { microBatches: input.microBatches } : {}), ...(input.reshardAfterForward === undefined ? {} : { reshardAfterForward: input.reshardAfterForward }) };
    // every method writes the sharded set and the consolidated file each epoch, and resumes from them
    const saving = { ...(input.checkpoint ? { checkpoint: { ...input.checkpoint, consolidated: true } } : {}), ...(input.checkpoint && input.resume ? { resume: { dir: input.checkpoint.dir } } : {}) };
    const test = async (params: Values) => {
      const tester = evaluator(rt, model, [IMAGE_SIZE], input.test, undefined, true);
      const { accuracy, predictions } = await tester.run(params);
      tester.destroy();
      return { testAccuracy: accuracy, predictedClasses: classCounts(predictions!, 10) };
    };
    if (method === 'scheduled') {
      const out = await shardedScheduledFit(rt, c, {
        model, features: [IMAGE_SIZE], batchSize: cfg.batchSize, seed, policy: MLP_WRAP, strategy: input.strategy, ...stepOptions, machine: scheduledMachine(cfg, model), groupTransform: scheduledGroupTransform(cfg),
        ...(events.onEpoch ? { onEpoch: (r: EpochRecord) => void events.onEpoch!(r) } : {}),
        ...saving,
      }, input.base, input.train, input.validation);
      if (E.isLeft(out)) return out;
      return E.right({ ...(await test(out.right.params)), records: [...out.right.records], steps: out.right.records.length * Math.floor(input.train.count / cfg.batchSize), transitions: out.right.transitions, ...(out.right.stopReason ? { stopReason: out.right.stopReason } : {}) });
    }
    let masks: Record<string, Uint8Array> | undefined;
    let keptFraction: number | undefined;
    if (method === 'child-tuning-D') {
      // each rank scores its own pieces; the threshold is the percentile over every rank's scores
      const selected = Object.keys(shapes).filter((n) => n.endsWith('.weight'));
      const m = await shardedFisherMask(rt, c, { model, features: [IMAGE_SIZE], policy: MLP_WRAP, strategy: input.strategy, microBatches: input.microBatches ?? c.size, batchSize: cfg.batchSize, seed, maxGradNorm: 1, selected, reserveP: cfg.reserveP }, input.base, input.train);
      if (E.isLeft(m)) return m;
      masks = Object.fromEntries(Object.entries(m.right.pieces).map(([n, p]) => [n, p.mask]));
      keptFraction = m.right.keptFraction;
    }
    const out = await shardedFit(rt, c, {
      model, features: [IMAGE_SIZE], epochs: cfg.finetuneEpochs, batchSize: cfg.batchSize, seed, policy: MLP_WRAP, strategy: input.strategy, maxGradNorm: 1,
      ...stepOptions,
      ...saving,
      ...(events.onEpoch ? { onEpoch: events.onEpoch } : {}),
      transform: (slice) => elementwiseTransformFor(method, cfg, seed, totalSteps, masks && slice.ownMasks(masks)),
    }, input.base, input.train, input.validation);
    if (E.isLeft(out)) return out;
    return E.right({ ...(await test(out.right.params)), records: out.right.records, steps: out.right.state.step, ...(keptFraction === undefined ? {} : { keptFraction }) });
  } finally {
    rt.destroy();
  }
};
