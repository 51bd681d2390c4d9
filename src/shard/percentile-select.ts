// numpy.percentile's default (linear interpolation between the two nearest ranks) over the union of every rank's
// float32 values, exactly, two ways: a radix select that moves only all-reduced bucket counts (8 bits of the order-
// preserving key per round, 4 rounds), and gathering every value. Both equal optim's percentile() of the union.
import * as E from 'fp-ts/lib/Either.js';
import { percentile } from '../optim/index.js';
import type { Collectives } from './collectives/collectives.js';
import { failureMessage } from './collectives/collectives.js';

/** float32 bits -> a uint32 whose unsigned order is the numeric order (-0 just below +0). */
const keyOf = (bits: number): number => (bits & 0x80000000 ? ~bits : bits | 0x80000000) >>> 0;
const BITS = new Uint32Array(1);
const FLOAT = new Float32Array(BITS.buffer);
const valueOf = (key: number): number => {
  BITS[0] = key & 0x80000000 ? key & 0x7fffffff : ~key;
  return FLOAT[0];
};

/**
 * The element-wise sum of every rank's counts, exact: each count travels as two 16-bit halves, whose float32 tree
 * sums stay below 2^24 for up to 256 ranks.
 */
export const sumCounts = async (c: Collectives, counts: readonly number[]): Promise<E.Either<string, number[]>> => {
  const n = counts.length;
  const halves = new Float32Array(2 * n);
  counts.forEach((x, i) => {
    halves[i] = x % 65536;
    halves[n + i] = Math.floor(x / 65536);
  });
  const summed = await c.allReduce(halves);
  return E.isLeft(summed) ? E.left(failureMessage(summed.left)) : E.right(counts.map((_, i) => summed.right[i] + summed.right[n + i] * 65536));
};

export interface GlobalPercentile {
  readonly value: number;
  /** Values over every rank. */
  readonly total: number;
}

const place = (q: number, total: number) => {
  const at = (q / 100) * (total - 1);
  return { at, lo: Math.floor(at), hi: Math.ceil(at) };
};

/** The problem every rank reports alike (the counts are global), or the place of the percentile. */
const checkTotals = (q: number, total: number, nan: number) =>
  !(q >= 0 && q <= 100) ? E.left(`q ${q} must lie in [0, 100]`)
  : nan > 0 ? E.left(`${nan} of the ${total} values are NaN: a percentile needs numbers`)
  : total === 0 ? E.left('percentile of no values')
  : E.right(place(q, total));

/** The radix select: every rank's local values, the same q on every rank; collective. */
export const selectPercentile = async (c: Collectives, mine: readonly Float32Array[], q: number): Promise<E.Either<string, GlobalPercentile>> => {
  const n = mine.reduce((a, v) => a + v.length, 0);
  const keys = new Uint32Array(n);
  let nan = 0;
  let at0 = 0;
  for (const v of mine) {
    const bits = new Uint32Array(v.buffer, v.byteOffset, v.length);
    for (let i = 0; i < v.length; i++) {
      if (Number.isNaN(v[i])) nan++;
      keys[at0++] = keyOf(bits[i]);
    }
  }
  const totals = await sumCounts(c, [n, nan]);
  if (E.isLeft(totals)) return totals;
  const [total, nans] = totals.right;
  const where = checkTotals(q, total, nans);
  if (E.isLeft(where)) return where;
  const { at, lo, hi } = where.right;
  // both neighbours of the percentile are selected together: the k-th smallest key, 8 bits a round from the top
  const prefix = [0, 0];
  const rank = [lo, hi];
  for (let shift = 24; shift >= 0; shift -= 8) {
    const high = shift === 24 ? 0 : (0xffffffff << (shift + 8)) >>> 0;
    const hist = [new Array<number>(256).fill(0), new Array<number>(256).fill(0)];
    for (let i = 0; i < n; i++) {
      const k = keys[i];
      const digit = (k >>> shift) & 255;
      for (let t = 0; t < 2; t++) if (((k & high) >>> 0) === prefix[t]) hist[t][digit]++;
    }
    const all = await sumCounts(c, [...hist[0], ...hist[1]]);
    if (E.isLeft(all)) return all;
    for (let t = 0; t < 2; t++) {
      let d = 0;
      for (; rank[t] >= all.right[t * 256 + d]; d++) rank[t] -= all.right[t * 256 + d];
      prefix[t] = (prefix[t] | (d << shift)) >>> 0;
    }
  }
  const below = valueOf(prefix[0]);
  const above = valueOf(prefix[1]);
  // percentile()'s interpolation, on the same two float64 numbers
  return E.right({ value: below + (above - below) * (at - lo), total });
};

/** The gathered alternative: every rank receives every value (padded to the longest rank's count) and sorts them. */
export const gatherPercentile = async (c: Collectives, mine: readonly Float32Array[], q: number): Promise<E.Either<string, GlobalPercentile>> => {
  const n = mine.reduce((a, v) => a + v.length, 0);
  const nan = mine.reduce((a, v) => a + v.filter(Number.isNaN).length, 0);
  const counts = await c.allGather(Float32Array.of(n % 65536, Math.floor(n / 65536), nan % 65536, Math.floor(nan / 65536)));
  if (E.isLeft(counts)) return E.left(failureMessage(counts.left));
  const lengths = Array.from({ length: c.size }, (_, r) => counts.right[4 * r] + counts.right[4 * r + 1] * 65536);
  const nans = Array.from({ length: c.size }, (_, r) => counts.right[4 * r + 2] + counts.right[4 * r + 3] * 65536).reduce((a, b) => a + b, 0);
  const total = lengths.reduce((a, b) => a + b, 0);
  const where = checkTotals(q, total, nans);
  if (E.isLeft(where)) return where;
  const longest = Math.max(...lengths);
  const padded = new Float32Array(longest);
  let at = 0;
  for (const v of mine) {
    padded.set(v, at);
    at += v.length;
  }
  const all = await c.allGather(padded);
  if (E.isLeft(all)) return E.left(failureMessage(all.left));
  const values = new Float32Array(total);
  let to = 0;
  lengths.forEach((len, r) => {
    values.set(all.right.subarray(r * longest, r * longest + len), to);
    to += len;
  });
  return E.right({ value: percentile(values, q), total });
};
