// Independent references for the collectives' sums: a scalar fixed-order tree in float32 and a float64 sum.
import { microBatchGradient } from './micro-batches.js';

/** The tree of fixed-order-sum.ts written out per element with Math.fround: left half [0, floor(n/2)), right half the rest. */
const treeF32 = (values: readonly number[]): number => {
  if (values.length === 1) return Math.fround(values[0]);
  const mid = Math.floor(values.length / 2);
  return Math.fround(treeF32(values.slice(0, mid)) + treeF32(values.slice(mid)));
};

const perElement = (grads: readonly Float32Array[], f: (column: number[]) => number): Float32Array =>
  Float32Array.from({ length: grads[0].length }, (_, i) => f(grads.map((g) => g[i])));

export const gradients = (seed: number, microBatches: number, length: number): Float32Array[] =>
  Array.from({ length: microBatches }, (_, m) => microBatchGradient(seed, m, length));

export const oracleTreeSum = (grads: readonly Float32Array[]): Float32Array => perElement(grads, treeF32);
export const oracleLeftFold = (grads: readonly Float32Array[]): Float32Array => perElement(grads, (c) => c.reduce((a, b) => Math.fround(a + b), 0));
/** float64 sum then one rounding: the exact answer up to one float32 rounding. */
export const oracleF64 = (grads: readonly Float32Array[]): Float64Array => Float64Array.from({ length: grads[0].length }, (_, i) => grads.reduce((a, g) => a + g[i], 0));

/** Indices where a and b differ as float32 bit patterns (so -0 and +0 differ, and NaN equals itself). */
export const bitDifferences = (a: Float32Array, b: Float32Array): number[] => {
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  if (a.length !== b.length) return [-1];
  return Array.from(x.keys()).filter((i) => x[i] !== y[i]);
};
