// The training loop: seeded shuffling and batching, one compiled step (forward, backward, optimizer)
// per batch, evaluation every epoch. Parameters and optimizer state are values passed along.
import * as E from 'fp-ts/lib/Either.js';
import type { Shape } from '../dsl/index.js';
import { compile } from '../compiler/index.js';
import type { Runtime } from '../runtime/index.js';
import type { Layer } from '../nn/index.js';
import { paramShapes } from '../nn/index.js';
import type { Transform } from '../optim/index.js';
import { randomKey } from '../dsl/index.js';
import type { OptimizerState, Values } from './optimizer-runner.js';
import { createOptimizerRunner } from './optimizer-runner.js';
import { classifierObjective, evaluationProgram } from './classifier-objective.js';
import { batches, permutation } from './data/shuffle.js';

export interface Examples {
  /** Row-major features, `count` rows of `features` elements. */
  readonly inputs: Float32Array;
  readonly labels: Int32Array;
  readonly count: number;
}

export interface EpochRecord {
  readonly epoch: number;
  readonly trainLoss: number;
  readonly trainAccuracy: number;
  readonly evalLoss: number;
  readonly evalAccuracy: number;
  readonly seconds: number;
}

export interface FitConfig {
  readonly model: Layer;
  readonly transform: Transform<any>;
  /** Trained parameters; the rest of the model's parameters stay frozen. Default: all. */
  readonly trainable?: readonly string[];
  readonly features: Shape;
  readonly epochs: number;
  readonly batchSize: number;
  readonly seed: number;
  /** Sanity check: every epoch trains `stepsPerEpoch` steps on the same first batch. */
  readonly overfitBatch?: { readonly stepsPerEpoch: number };
  /** Called after each epoch's evaluation; return false to stop early. */
  readonly onEpoch?: (record: EpochRecord, params: Values) => boolean | void;
}

const orThrow = <A>(e: E.Either<Error, A>): A => {
  if (E.isLeft(e)) throw e.left;
  return e.right;
};

const rows = (x: Examples, idx: ArrayLike<number>, width: number) => {
  const inputs = new Float32Array(idx.length * width);
  const labels = new Int32Array(idx.length);
  for (let k = 0; k < idx.length; k++) {
    inputs.set(x.inputs.subarray(idx[k] * width, (idx[k] + 1) * width), k * width);
    labels[k] = x.labels[idx[k]];
  }
  return { x: inputs, y: labels };
};

/** Train `config.model` from `params`; returns the final parameters and one record per epoch. */
export const fit = async (rt: Runtime, config: FitConfig, params: Values, train: Examples, evalSet: Examples): Promise<{ params: Values; records: EpochRecord[]; state: OptimizerState }> => {
  const shapes = paramShapes(config.model);
  const trainable = config.trainable ?? Object.keys(shapes);
  const frozenNames = Object.keys(shapes).filter((n) => !trainable.includes(n));
  const width = config.features.reduce((a, b) => a * b, 1);
  const objective = classifierObjective(config.model, config.batchSize, config.features, Object.fromEntries(frozenNames.map((n) => [n, shapes[n]])));
  const runner = orThrow(createOptimizerRunner(rt, config.transform, Object.fromEntries(trainable.map((n) => [n, shapes[n]])), objective, Object.fromEntries(frozenNames.map((n) => [n, params[n]]))));
  const evaluate = rt.load(compile(orThrow(evaluationProgram(config.model, shapes, evalSet.count, config.features))));
  let s = orThrow(await runner.init(Object.fromEntries(trainable.map((n) => [n, params[n]]))));
  const records: EpochRecord[] = [];
  try {
    for (let epoch = 0; epoch < config.epochs; epoch++) {
      const t0 = performance.now();
      let loss = 0;
      let acc = 0;
      const shuffled = batches(permutation(train.count, config.seed, config.overfitBatch ? 0 : epoch), config.batchSize, true);
      const bs = config.overfitBatch ? Array.from({ length: config.overfitBatch.stepsPerEpoch }, () => shuffled[0]) : shuffled;
      for (const b of bs) {
        const { x, y } = rows(train, b, width);
        // labels and keys are integers below 2^24: exact as the f32 values every buffer holds
        s = orThrow(await runner.step(s, { x, y: Float32Array.from(y), key: Float32Array.of(randomKey(config.seed, (s.step + 1) % 2 ** 24)) }));
        loss += s.metrics!.loss;
        acc += s.metrics!.accuracy;
      }
      const all = { ...params, ...s.params };
      const ev = orThrow(await evaluate.run({ ...Object.fromEntries(Object.entries(all).map(([k, v]) => [`p:${k}`, v])), x: evalSet.inputs, y: evalSet.labels }));
      const record = { epoch, trainLoss: loss / bs.length, trainAccuracy: acc / bs.length, evalLoss: ev.loss[0], evalAccuracy: ev.accuracy[0], seconds: (performance.now() - t0) / 1000 };
      records.push(record);
      if (config.onEpoch?.(record, all) === false) break;
    }
    return { params: { ...params, ...s.params }, records, state: s };
  } finally {
    runner.destroy();
    evaluate.destroy();
  }
};
