// Seeded shuffling and batching: the same seed and epoch give the same order on every machine.
import { uniformAt } from '../../dsl/counter-hash.js';
import { randomKey } from '../../dsl/index.js';

/** Fisher–Yates driven by the counter generator keyed by (seed, stream). */
export const permutation = (n: number, seed: number, stream: number): Int32Array => {
  const key = randomKey(seed, stream % 2 ** 24);
  const out = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(uniformAt(key, i) * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
};

/** Consecutive batches of `size` indices; the last, shorter one is dropped when `dropLast`. */
export const batches = (order: ArrayLike<number>, size: number, dropLast = false): Int32Array[] => {
  const out: Int32Array[] = [];
  for (let at = 0; at < order.length; at += size) {
    const b = Int32Array.from(Array.prototype.slice.call(order, at, Math.min(at + size, order.length)) as number[]);
    if (b.length === size || !dropLast) out.push(b);
  }
  return out;
};
