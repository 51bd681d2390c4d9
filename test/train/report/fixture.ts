// A hand-made comparison: two methods, two seeds, three epochs (numbered from 1), numbers chosen to be exact in binary.
import type { EpochRecord } from '../../../src/train/fit.js';
import type { RunLike } from '../../../src/train/report/summary.js';

const rec = (epoch: number, trainLoss: number, evalAccuracy: number, seconds = 0.5): EpochRecord =>
  ({ epoch, trainLoss, trainAccuracy: 0.5 + (epoch - 1) / 8, evalLoss: trainLoss * 2, evalAccuracy, seconds });

export const RESULTS: readonly RunLike[] = [
  { method: 'full', seed: 1, testAccuracy: 0.9, seconds: 2, records: [rec(1, 1, 0.5), rec(2, 0.5, 0.75), rec(3, 0.25, 0.875)] },
  { method: 'scheduled', seed: 1, testAccuracy: 0.88, seconds: 5, records: [rec(1, 1.5, 0.25), rec(2, 1, 0.5), rec(3, 0.5, 0.625, 1)] },
  { method: 'full', seed: 2, testAccuracy: 0.94, seconds: 4, records: [rec(1, 0.5, 0.25), rec(2, 0.25, 0.5), rec(3, 0.125, 0.625)] },
  { method: 'scheduled', seed: 2, testAccuracy: 0.88, seconds: 5, records: [rec(1, 1.5, 0.25), rec(2, 1, 0.5), rec(3, 0.5, 0.625, 1)] },
];

/** The scheduled method thaws the body after one epoch (its second phase trains from epoch 2). */
export const TRANSITIONS = [{ epoch: 1, label: 'thaw body' }] as const;
