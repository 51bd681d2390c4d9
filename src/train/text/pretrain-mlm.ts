// Pre-training with masked-language modelling: the fine-tuning loop's epochs (length-grouped batches, a compiled
// step per padded length) with each batch masked afresh per epoch instead of labelled.
import * as E from 'fp-ts/lib/Either.js';
import type { Shape } from '../../dsl/index.js';
import type { Layer } from '../../nn/index.js';
import { paramShapes } from '../../nn/index.js';
import type { Transform } from '../../optim/index.js';
import type { Runtime } from '../../runtime/index.js';
import type { Examples } from '../fit.js';
import { runnerFamily, trainEpoch } from '../fit.js';
import type { OptimizerRunner, Values } from '../optimizer-runner.js';
import { createOptimizerRunner } from '../optimizer-runner.js';
import type { MlmMasking } from './mlm.js';
import { maskBatch, maskedTargets, mlmCapacity, mlmObjective } from './mlm.js';
import { progressReporter } from '../report/progress.js';

export interface MlmConfig {
  readonly model: Layer<any>;
  readonly transform: Transform<any>;
  /** Token rows [3, seq]. */
  readonly features: Shape;
  readonly masking: MlmMasking;
  readonly epochs: number;
  readonly batchSize: number;
  readonly seed: number;
  readonly stepsPerCall?: number;
  readonly padMultiple?: number;
  /** Parameters that stay as they are (not trained, no optimizer state). */
  readonly frozen?: readonly string[];
  readonly progress?: string;
}

export interface MlmEpoch {
  readonly epoch: number;
  /** Mean over the epoch's steps of the loss and of the accuracy at the masked positions. */
  readonly loss: number;
  readonly accuracy: number;
  readonly seconds: number;
}

const orThrow = <A>(e: E.Either<Error, A>): A => {
  if (E.isLeft(e)) throw e.left;
  return e.right;
};

/** `train` must carry lengths (token rows). Returns the trained parameters and one record per epoch. */
export const pretrainMlm = async (rt: Runtime, cfg: MlmConfig, params: Values, train: Examples, onEpoch?: (r: MlmEpoch) => void): Promise<{ params: Values; records: MlmEpoch[] }> => {
  const shapes = paramShapes(cfg.model);
  const frozen = new Set(cfg.frozen ?? []);
  const trainable = Object.fromEntries(Object.entries(shapes).filter(([n]) => !frozen.has(n)));
  const frozenShapes = Object.fromEntries(Object.entries(shapes).filter(([n]) => frozen.has(n)));
  const frozenValues = Object.fromEntries(Object.keys(frozenShapes).map((n) => [n, params[n]]));
  const make = (f: Shape): OptimizerRunner => orThrow(createOptimizerRunner(rt, cfg.transform, trainable, mlmObjective(cfg.model, cfg.batchSize, f, frozenShapes, cfg.masking.probability), frozenValues));
  const runners = runnerFamily(make, cfg.features);
  const seq = cfg.features[cfg.features.length - 1];
  const steps = Math.floor(train.count / cfg.batchSize);
  const bar = cfg.progress && process.stdout.isTTY ? progressReporter({ total: cfg.epochs * steps, label: cfg.progress, epochs: cfg.epochs }) : undefined;
  const records: MlmEpoch[] = [];
  try {
    let s = orThrow(await runners.full.init(Object.fromEntries(Object.keys(trainable).map((n) => [n, params[n]]))));
    for (let epoch = 0; epoch < cfg.epochs; epoch++) {
      const t0 = performance.now();
      const ep = await trainEpoch(runners.at, s, train, epoch, {
        batchSize: cfg.batchSize, seed: cfg.seed, width: 3 * seq, features: cfg.features, padMultiple: cfg.padMultiple, stepsPerCall: cfg.stepsPerCall,
        batchFeeds: (rows, length, e) => {
          const capacity = mlmCapacity(cfg.batchSize, length, cfg.masking.probability);
          const { x, y } = maskBatch(train.inputs, seq, rows, length, cfg.masking, cfg.seed, e, capacity);
          return { x, y: maskedTargets(y, capacity) };
        },
        onStep: (e, loss) => bar?.tick({ epoch: e, loss }),
      });
      s = ep.state;
      const r = { epoch: epoch + 1, loss: ep.loss, accuracy: ep.accuracy, seconds: (performance.now() - t0) / 1000 };
      records.push(r);
      onEpoch?.(r);
    }
    return { params: { ...params, ...s.params }, records };
  } finally {
    bar?.done();
    runners.destroy();
  }
};
