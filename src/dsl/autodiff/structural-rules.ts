// Vector-Jacobian products of the ops that move, reduce or contract elements: each is the linear
// transpose of its forward op (a broadcast's is a sum, a slice's a zero pad, a gather's a scatter-add).
import type { Shape } from '../shape.js';
import { sameShape, sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { zeros } from '../ops/create.js';
import { abs, broadcastTo, cast, div, eq, ge, maximum, minimum, mul, sub } from '../ops/elementwise.js';
import { concat, reshape, slice, transpose } from '../ops/movement.js';
import { sum } from '../ops/reduce.js';
import { matmul } from '../ops/matmul.js';
import { iota } from '../ops/iota.js';

/** Transpose of broadcastTo: sum over the stretched axes (and the new leading ones), then reshape back. */
export const unbroadcast = (ct: Tensor, to: Shape): Tensor => {
  const lead = ct.shape.length - to.length;
  const axes = ct.shape.map((_, k) => k).filter((k) => ct.shape[k] !== 1 && (k < lead || to[k - lead] === 1));
  const summed = axes.length ? sum(ct, { axes }) : ct;
  return sameShape(summed.shape, to) ? summed : reshape(summed, to);
};

/** Transpose of slice: the cotangent in place, zeros around it, built axis by axis with concat. */
export const padInto = (ct: Tensor, to: Shape, starts: readonly number[]): Tensor =>
  to.reduce((acc, d, k) => {
    const before = starts[k];
    const after = d - before - acc.shape[k];
    const block = (n: number) => zeros(acc.shape.map((s, j) => (j === k ? n : s)));
    return concat([...(before ? [block(before)] : []), acc, ...(after ? [block(after)] : [])], k);
  }, ct);

/** Transpose of transpose: the inverse permutation. */
export const transposeBack = (ct: Tensor, perm: readonly number[]): Tensor => {
  const inverse = new Array<number>(perm.length);
  perm.forEach((p, k) => (inverse[p] = k));
  return transpose(ct, inverse);
};

/** Transpose of concat: each operand's slice of the cotangent. */
export const unconcat = (ct: Tensor, parts: readonly Tensor[], axis: number): Tensor[] => {
  let start = 0;
  return parts.map((p) => {
    const starts = ct.shape.map((_, k) => (k === axis ? start : 0));
    const ends = ct.shape.map((d, k) => (k === axis ? start + p.shape[k] : d));
    start += p.shape[axis];
    return slice(ct, starts, ends);
  });
};

/**
 * Transpose of gather (take along `axis`): a scatter-add. With x viewed as [P, D, Q] and the
 * cotangent as [P, N, Q] (N = number of indices), dx[p, d, q] = sum_n [clamp(idx[n]) = d] ct[p, n, q]:
 * a matmul of the one-hot matrix [D, N] (built from iota, fused into the matmul's reads) with the
 * cotangent. Repeated indices accumulate; indices out of range land on the edge they clamp to.
 */
export const scatterAdd = (ct: Tensor, x: Tensor, indices: Tensor, axis: number): Tensor => {
  const d = x.shape[axis];
  const n = sizeOf(indices.shape);
  const p = sizeOf(x.shape.slice(0, axis));
  const q = sizeOf(x.shape.slice(axis + 1));
  if (sizeOf(x.shape) === 0 || n === 0) return zeros(x.shape);
  const clamped = minimum(maximum(reshape(indices, [1, n]), 0), d - 1);
  const oneHot = cast(eq(broadcastTo(clamped, [d, n]), iota([d, n], 0)), 'f32');
  return reshape(matmul(oneHot, reshape(ct, [p, n, q])), x.shape);
};

/** Transpose of a sum over `axes`: the cotangent broadcast back over them. */
export const unsum = (ct: Tensor, x: Tensor, axes: readonly number[]): Tensor =>
  broadcastTo(reshape(ct, x.shape.map((d, k) => (axes.includes(k) ? 1 : d))), x.shape);

/** Positions within this relative distance of a max count as holding it (see unmax). */
export const MAX_TIE = 2 ** -20;

/**
 * A max over `axes` sends its cotangent to the positions holding the max, divided evenly among
 * ties (JAX's rule for reduce_max): a broadcast value counted k times gets k shares back.
 * "Holding the max" means x >= m - |m| 2^-20, not x == m: the max is a stored f32 buffer while x
 * is recomputed where it is fused, and a backend may compute in more precision than it stores
 * (gpu.js's cpu backend works in float64), so x can miss its own rounded max by half an f32 ulp.
 */
export const unmax = (ct: Tensor, x: Tensor, y: Tensor, axes: readonly number[]): Tensor => {
  const kept = x.shape.map((d, k) => (axes.includes(k) ? 1 : d));
  const m = reshape(y, kept);
  const hit = cast(ge(x, sub(m, mul(abs(m), MAX_TIE))), 'f32');
  // at least 1, so a max that no position reaches (NaN, say) gives 0 rather than 0/0
  const count = maximum(sum(hit, { axes, keepDims: true }), 1);
  return mul(hit, div(reshape(ct, kept), count));
};

const swapLast = (t: Tensor): Tensor => {
  const perm = t.shape.map((_, k) => k);
  [perm[perm.length - 2], perm[perm.length - 1]] = [perm[perm.length - 1], perm[perm.length - 2]];
  return transpose(t, perm);
};

/**
 * C = A B over the last two axes: dA = dC B^T, dB = A^T dC. The operands arrive broadcast to the
 * full batch shape, so batch axes that were broadcast are summed by the broadcast's own rule.
 */
export const matmulVjp = (a: Tensor, b: Tensor, ct: Tensor): [Tensor, Tensor] => [matmul(ct, swapLast(b)), matmul(swapLast(a), ct)];
