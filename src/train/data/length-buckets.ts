// Batches of token rows of similar length, each cut to its own longest row (rounded up): padding costs compute
// only up to the batch's length. Same seed and epoch, same batches, on every machine.
import type { Shape } from '../../dsl/index.js';
import { batches, permutation } from './shuffle.js';

/** The stream of the batch-order shuffle (the example shuffle uses the epoch itself). */
const BATCH_ORDER_STREAM = 2 ** 22;

/**
 * The epoch's shuffle cut into groups of `groupBatches` batches; each group sorted longest first (ties in shuffle
 * order), cut into batches; then the batches shuffled. Like transformers' LengthGroupedSampler.
 */
export const lengthGroupedBatches = (lengths: ArrayLike<number>, batchSize: number, seed: number, epoch: number, groupBatches = 50, dropLast = true): Int32Array[] => {
  const order = permutation(lengths.length, seed, epoch);
  const group = batchSize * groupBatches;
  const sorted: number[] = [];
  for (let at = 0; at < order.length; at += group) {
    const part = Array.from(order.subarray(at, at + group));
    const rank = new Map(part.map((ex, k) => [ex, k]));
    sorted.push(...part.sort((a, b) => lengths[b] - lengths[a] || rank.get(a)! - rank.get(b)!));
  }
  const bs = batches(sorted, batchSize, dropLast);
  return Array.from(permutation(bs.length, seed, BATCH_ORDER_STREAM + epoch), (i) => bs[i]);
};

/** The length a batch is padded to: its longest row rounded up to `multiple`, at most `max` (the rows' full length). */
export const paddedLength = (lengths: ArrayLike<number>, rows: ArrayLike<number>, multiple: number, max: number): number => {
  let longest = 1;
  for (let k = 0; k < rows.length; k++) longest = Math.max(longest, lengths[rows[k]]);
  return Math.min(max, Math.ceil(longest / multiple) * multiple);
};

/** Row features with the last axis cut to `length` ([3, seq] token rows -> [3, length]). */
export const croppedFeatures = (features: Shape, length: number): Shape => [...features.slice(0, -1), length];

/** `count` rows of `features` with each row's last axis cut to its first `length` values. */
export const cropRows = (x: Float32Array, count: number, features: Shape, length: number): Float32Array => {
  const full = features[features.length - 1];
  if (length === full) return x;
  const lines = (count * features.reduce((a, b) => a * b, 1)) / full;
  const out = new Float32Array(lines * length);
  for (let l = 0; l < lines; l++) out.set(x.subarray(l * full, l * full + length), l * length);
  return out;
};
