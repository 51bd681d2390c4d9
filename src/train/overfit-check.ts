// The single-batch sanity check: a model that cannot reach 100% on one batch it sees over and over
// has a bug (data, loss, optimizer); evaluation accuracy falling from its peak shows it memorising.
import type { Runtime } from '../runtime/index.js';
import * as nn from '../nn/index.js';
import * as o from '../optim/index.js';
import type { EpochRecord, Examples } from './fit.js';
import { fit } from './fit.js';
import type { Values } from './optimizer-runner.js';
import { IMAGE_SIZE } from './data/mnist.js';

export interface OverfitVerdict {
  readonly passed: boolean;
  readonly records: readonly EpochRecord[];
  /** Epoch at which training accuracy first reached 100%, if it did. */
  readonly perfectAt?: number;
  readonly evalPeak: number;
  readonly evalFinal: number;
  readonly message: string;
}

export const overfitCheck = async (rt: Runtime, model: nn.Layer, params: Values, train: Examples, evalSet: Examples, o2: { epochs: number; batchSize: number; lr: number; seed: number }): Promise<OverfitVerdict> => {
  const res = await fit(rt, { model, transform: o.adamw(o2.lr, { weightDecay: 0 }), features: [IMAGE_SIZE], epochs: o2.epochs, batchSize: o2.batchSize, seed: o2.seed, overfitBatch: { stepsPerEpoch: 10 } }, params, train, evalSet);
  const recs = res.records;
  const perfect = recs.find((r) => r.trainAccuracy >= 1);
  const evalPeak = Math.max(...recs.map((r) => r.evalAccuracy));
  const evalFinal = recs[recs.length - 1].evalAccuracy;
  const falls = evalFinal < evalPeak;
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const message = perfect
    ? `sanity check ${falls ? 'passed' : 'half passed'}: training accuracy on the single batch reached 100% at epoch ${perfect.epoch}; evaluation accuracy ${falls ? `fell from its peak ${pct(evalPeak)} to ${pct(evalFinal)}, as memorising one batch should make it` : `did not fall (peak ${pct(evalPeak)}, final ${pct(evalFinal)}): train longer or on a smaller batch to see it memorise`}`
    : `sanity check FAILED: training accuracy on one batch reached only ${pct(Math.max(...recs.map((r) => r.trainAccuracy)))} after ${recs.length} epochs; look for a bug in the data, the loss or the optimizer`;
  return { passed: perfect !== undefined, records: recs, ...(perfect ? { perfectAt: perfect.epoch } : {}), evalPeak, evalFinal, message };
};
