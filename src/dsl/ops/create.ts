import type { DType } from '../dtype.js';
import type { Shape } from '../shape.js';
import { sizeOf, showShape } from '../shape.js';
import { BuildError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { node } from '../tensor.js';

const IDENT = /^[A-Za-z_][A-Za-z0-9_.:/\-]*$/;

/** A named program input of static shape. */
export const input = (name: string, shape: Shape, dtype: DType = 'f32'): Tensor => {
  if (!IDENT.test(name)) {
    throw new BuildError('bad-argument', 'input', `name '${name}' must match ${IDENT.source}`);
  }
  return node({ kind: 'input', name }, [], shape, dtype);
};

/** A constant: a scalar (broadcast to `shape`) or one value per element. */
export const constant = (values: number | readonly number[], shape: Shape = [], dtype: DType = 'f32'): Tensor => {
  const vals = typeof values === 'number' ? [values] : [...values];
  if (vals.length !== 1 && vals.length !== sizeOf(shape)) {
    throw new BuildError('shape-mismatch', 'constant', `${vals.length} values do not fill shape ${showShape(shape)} (${sizeOf(shape)} elements)`);
  }
  const stored = vals.map((v) => (dtype === 'bool' ? (v ? 1 : 0) : dtype === 'i32' ? Math.trunc(v) : Math.fround(v)));
  return node({ kind: 'constant', values: Object.freeze(stored) }, [], shape, dtype);
};

export const scalar = (value: number, dtype: DType = 'f32'): Tensor => constant(value, [], dtype);
export const zeros = (shape: Shape, dtype: DType = 'f32'): Tensor => constant(0, shape, dtype);
export const ones = (shape: Shape, dtype: DType = 'f32'): Tensor => constant(1, shape, dtype);

/** Literal numbers in binary ops take the dtype of the tensor they meet. */
export const lift = (x: Tensor | number, like: DType): Tensor => (typeof x === 'number' ? scalar(x, like === 'bool' ? 'f32' : like) : x);
