import type { Shape } from '../shape.js';
import { MAX_EXACT_INTEGER, sizeOf, showShape } from '../shape.js';
import { BuildError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { node, refOf } from '../tensor.js';
import { dual2 } from './dual.js';

/** Resolve a possibly negative axis; throws a bad-axis error naming the op. */
export const normalizeAxis = (op: string, axis: number, rank: number, t: Tensor): number => {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(axis) || a < 0 || a >= rank) {
    throw new BuildError('bad-axis', op, `axis ${axis} is out of range for rank ${rank}`, [refOf(t)]);
  }
  return a;
};

/** Same elements, new shape; one axis may be -1 (inferred). */
export const reshape = dual2((x: Tensor, shape: Shape): Tensor => {
  const holes = shape.filter((d) => d === -1).length;
  const known = sizeOf(shape.filter((d) => d !== -1));
  const total = sizeOf(x.shape);
  const resolved = holes === 1 && known > 0 && total % known === 0 ? shape.map((d) => (d === -1 ? total / known : d)) : shape;
  if (holes > 1 || resolved.some((d) => !Number.isInteger(d) || d < 0) || sizeOf(resolved) !== total) {
    throw new BuildError('shape-mismatch', 'reshape', `cannot reshape ${showShape(x.shape)} (${total} elements) to ${showShape(shape)}`, [refOf(x)]);
  }
  return node({ kind: 'reshape' }, [x], resolved, x.dtype);
});

/** Elements [starts, ends) along each axis (numpy `x[a:b, c:d]`, no steps). */
export const slice = (x: Tensor, starts: readonly number[], ends: readonly number[]): Tensor => {
  if (starts.length !== x.shape.length || ends.length !== x.shape.length) {
    throw new BuildError('bad-argument', 'slice', `starts [${starts}] and ends [${ends}] need one entry per axis of ${showShape(x.shape)}`, [refOf(x)]);
  }
  const bad = x.shape.flatMap((d, k) =>
    Number.isInteger(starts[k]) && Number.isInteger(ends[k]) && 0 <= starts[k] && starts[k] <= ends[k] && ends[k] <= d ? [] : [`axis ${k}: [${starts[k]}, ${ends[k]}) not within [0, ${d}]`],
  );
  if (bad.length) throw new BuildError('bad-argument', 'slice', bad.join('; '), [refOf(x)]);
  return node({ kind: 'slice', starts: [...starts] }, [x], x.shape.map((_, k) => ends[k] - starts[k]), x.dtype);
};

/** Permute axes; default reverses them. */
export const transpose = (x: Tensor, perm?: readonly number[]): Tensor => {
  const rank = x.shape.length;
  const p = perm ?? x.shape.map((_, k) => rank - 1 - k);
  const isPerm = p.length === rank && [...p].sort((a, b) => a - b).every((v, k) => v === k);
  if (!isPerm) throw new BuildError('bad-axis', 'transpose', `[${p}] is not a permutation of the ${rank} axes`, [refOf(x)]);
  return node({ kind: 'transpose', perm: [...p] }, [x], p.map((k) => x.shape[k]), x.dtype);
};

/** Join along an existing axis; every other axis must agree. */
export const concat = (xs: readonly Tensor[], axis = 0): Tensor => {
  if (xs.length === 0) throw new BuildError('bad-argument', 'concat', 'needs at least one tensor');
  const first = xs[0];
  const a = normalizeAxis('concat', axis, first.shape.length, first);
  const bad = xs.filter((t) => t.dtype !== first.dtype || t.shape.length !== first.shape.length || t.shape.some((d, k) => k !== a && d !== first.shape[k]));
  if (bad.length) {
    throw new BuildError(bad.some((t) => t.dtype !== first.dtype) ? 'dtype-mismatch' : 'shape-mismatch', 'concat', `every tensor must be ${first.dtype} and match ${showShape(first.shape)} off axis ${a}`, xs.map(refOf));
  }
  if (xs.length === 1) return first;
  const shape = first.shape.map((d, k) => (k === a ? xs.reduce((s, t) => s + t.shape[k], 0) : d));
  return node({ kind: 'concat', axis: a }, xs, shape, first.dtype);
};

/** `take` along `axis`: result shape x.shape[:axis] + indices.shape + x.shape[axis+1:]. Out-of-range indices clamp (as in JAX). */
export const gather = (x: Tensor, indices: Tensor, axis = 0): Tensor => {
  const a = normalizeAxis('gather', axis, x.shape.length, x);
  if (indices.dtype !== 'i32') throw new BuildError('dtype-mismatch', 'gather', `indices must be i32, got ${indices.dtype}`, [refOf(x), refOf(indices)]);
  if (x.shape[a] > MAX_EXACT_INTEGER) {
    throw new BuildError('too-large', 'gather', `axis ${a} of ${showShape(x.shape)} has ${x.shape[a]} entries, over ${MAX_EXACT_INTEGER} (2^24): indices are stored as f32, exact only below 2^24`, [refOf(x), refOf(indices)]);
  }
  const shape = [...x.shape.slice(0, a), ...indices.shape, ...x.shape.slice(a + 1)];
  return node({ kind: 'gather', axis: a }, [x, indices], shape, x.dtype);
};

/** Insert a size-1 axis. */
export const expandDims = dual2((x: Tensor, axis: number): Tensor => {
  const a = normalizeAxis('expandDims', axis, x.shape.length + 1, x);
  return reshape(x, [...x.shape.slice(0, a), 1, ...x.shape.slice(a)]);
});

export const flatten = (x: Tensor): Tensor => reshape(x, [sizeOf(x.shape)]);
