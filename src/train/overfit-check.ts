// The single-batch sanity check: train on one batch over and over and measure, with dropout off, the batch's
// loss and accuracy and the held-out accuracy at the start and after every epoch; overfitVerdict reads them.
import type { Runtime } from '../runtime/index.js';
import * as nn from '../nn/index.js';
import * as o from '../optim/index.js';
import type { Examples } from './fit.js';
import { evaluator, fit, overfitBatchOf } from './fit.js';
import type { Values } from './optimizer-runner.js';
import { IMAGE_SIZE } from './data/mnist.js';
import type { OverfitMeasure, OverfitPoint, OverfitVerdict } from './overfit-verdict.js';
import { overfitVerdict } from './overfit-verdict.js';

/** Steps on the batch per epoch of the check. */
export const OVERFIT_STEPS_PER_EPOCH = 10;

export const overfitCheck = async (rt: Runtime, model: nn.Layer, params: Values, train: Examples, heldOut: Examples, o2: { epochs: number; batchSize: number; lr: number; seed: number }): Promise<OverfitVerdict & { readonly measure: OverfitMeasure }> => {
  const batch = overfitBatchOf(train, o2.seed, o2.batchSize, IMAGE_SIZE);
  const onBatch = evaluator(rt, model, [IMAGE_SIZE], batch);
  const onHeldOut = evaluator(rt, model, [IMAGE_SIZE], heldOut);
  const correct = (accuracy: number, count: number) => Math.round(accuracy * count);
  try {
    const after: Values[] = [];
    const res = await fit(rt, { model, transform: o.adamw(o2.lr, { weightDecay: 0 }), features: [IMAGE_SIZE], epochs: o2.epochs, batchSize: o2.batchSize, seed: o2.seed, overfitBatch: { stepsPerEpoch: OVERFIT_STEPS_PER_EPOCH }, onEpoch: (_, p) => void after.push(p) }, params, train, heldOut);
    const point = async (epoch: number, p: Values, heldOutAccuracy: number): Promise<OverfitPoint> => {
      const b = await onBatch.run(p);
      return { epoch, steps: epoch * OVERFIT_STEPS_PER_EPOCH, batchLoss: b.loss, batchCorrect: correct(b.accuracy, batch.count), heldOutCorrect: correct(heldOutAccuracy, heldOut.count) };
    };
    const points = [await point(0, params, (await onHeldOut.run(params)).accuracy)];
    for (const [i, r] of res.records.entries()) points.push(await point(r.epoch, after[i], r.evalAccuracy));
    const measure = { batchSize: batch.count, heldOut: heldOut.count, points };
    return { ...overfitVerdict(measure), measure };
  } finally {
    onBatch.destroy();
    onHeldOut.destroy();
  }
};
