import type { DType } from '../dtype.js';
import type { Shape } from '../shape.js';
import { MAX_EXACT_INTEGER, showShape } from '../shape.js';
import { BuildError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { node } from '../tensor.js';

/**
 * Every element holds its own index along `axis` (XLA's Iota; numpy's `indices(shape)[axis]`).
 * Compared with indices by `eq` it builds one-hot masks: that is how a gather's gradient is
 * scattered back (autodiff/structural-rules.ts). Computes nothing until compiled: in a kernel it
 * is the element's axis index itself, fused like a movement op.
 */
export const iota = (shape: Shape, axis: number, dtype: DType = 'i32'): Tensor => {
  if (dtype === 'bool') throw new BuildError('dtype-mismatch', 'iota', 'expects dtype i32 or f32, got bool');
  const rank = shape.length;
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(axis) || a < 0 || a >= rank) {
    throw new BuildError('bad-axis', 'iota', `axis ${axis} is out of range for shape ${showShape(shape)} (rank ${rank})`);
  }
  if (shape[a] > MAX_EXACT_INTEGER) {
    throw new BuildError('too-large', 'iota', `axis ${a} of ${showShape(shape)} has ${shape[a]} entries, over ${MAX_EXACT_INTEGER} (2^24): values are stored as f32, exact only below 2^24`);
  }
  return node({ kind: 'iota', axis: a }, [], shape, dtype);
};
