// What the single-batch sanity check measured, and the verdict that follows from those numbers alone:
// memorised (the batch reached 100%), inconclusive (not yet, its loss still falling), or failed (its loss stalled).

/** Loss and counts of correct predictions (dropout off) after `steps` steps on the batch; epoch 0 is the start. */
export interface OverfitPoint {
  readonly epoch: number;
  readonly steps: number;
  readonly batchLoss: number;
  readonly batchCorrect: number;
  readonly heldOutCorrect: number;
}

export interface OverfitMeasure {
  /** Images in the batch and in the held-out set. */
  readonly batchSize: number;
  readonly heldOut: number;
  /** The start, then one point per epoch. */
  readonly points: readonly OverfitPoint[];
}

export interface OverfitVerdict {
  readonly outcome: 'memorised' | 'inconclusive' | 'failed';
  /** One line per point: what was measured. */
  readonly lines: readonly string[];
  /** The verdict, then what the held-out accuracy did. */
  readonly message: readonly string[];
}

const share = (correct: number, of: number) => `${((100 * correct) / of).toFixed(1)}% (${correct}/${of})`;
const loss = (x: number) => x.toFixed(4);
const when = (p: OverfitPoint) => (p.epoch === 0 ? 'at the start' : `after ${p.steps} steps (epoch ${p.epoch})`);
/** The first point with the largest value. */
const peakBy = (points: readonly OverfitPoint[], value: (p: OverfitPoint) => number) => points.reduce((best, p) => (value(p) > value(best) ? p : best));

export const overfitVerdict = (m: OverfitMeasure): OverfitVerdict => {
  const { points, batchSize: n, heldOut: h } = m;
  const start = points[0];
  const end = points[points.length - 1];
  const lines = points.map((p) => `${p.epoch === 0 ? 'start' : `epoch ${p.epoch}`} (${p.steps} steps): batch loss ${loss(p.batchLoss)}, batch accuracy ${share(p.batchCorrect, n)}; held-out accuracy ${share(p.heldOutCorrect, h)}`);
  const perfect = points.find((p) => p.batchCorrect === n);
  const peak = peakBy(points, (p) => p.batchCorrect);
  const lowest = peakBy(points, (p) => -p.batchLoss);
  const stillFalling = lowest === end && end.batchLoss < start.batchLoss;
  const range = `loss ${loss(start.batchLoss)} at the start, ${loss(end.batchLoss)} after ${end.steps} steps`;
  const outcome = perfect ? 'memorised' : stillFalling ? 'inconclusive' : 'failed';
  const verdict =
    perfect === start ? `sanity check passed, but says little: the batch of ${n} was already at 100% before any step (${range}); a batch the model gets wrong tests more`
    : perfect ? `sanity check passed: the batch of ${n} was memorised, its accuracy ${share(start.batchCorrect, n)} at the start and 100% ${when(perfect)}${end.batchCorrect === n ? (end === perfect ? '' : ', still 100% at the end') : `, ${share(end.batchCorrect, n)} at the end`} (${range})`
    : stillFalling ? `sanity check inconclusive: in ${end.steps} steps the batch of ${n} reached ${share(peak.batchCorrect, n)} at best (${share(start.batchCorrect, n)} at the start, ${share(end.batchCorrect, n)} at the end), short of 100%, but its loss was still falling (${range}): train more epochs before suspecting a bug`
    : `sanity check FAILED: in ${end.steps} steps the batch of ${n} reached ${share(peak.batchCorrect, n)} at best, and its loss stopped falling (${range}, lowest ${loss(lowest.batchLoss)} ${when(lowest)}): look for a bug in the data, the loss or the optimizer, or lower the lr`;
  const heldPeak = peakBy(points, (p) => p.heldOutCorrect);
  const fell = heldPeak.heldOutCorrect - end.heldOutCorrect;
  const heldOut = `held-out accuracy: ${share(start.heldOutCorrect, h)} at the start, ${share(end.heldOutCorrect, h)} at the end; ` +
    (fell > 0 ? `it fell by ${fell} image${fell === 1 ? '' : 's'} from its peak ${share(heldPeak.heldOutCorrect, h)} ${when(heldPeak)}` : 'it ended at its peak (no fall)');
  return { outcome, lines, message: [verdict, heldOut] };
};
