import { sizeOf } from '../shape.js';
import { BuildError } from '../errors.js';
import type { ReduceFn, Tensor } from '../tensor.js';
import { node, refOf } from '../tensor.js';
import { normalizeAxis, reshape } from './movement.js';
import { cast, div } from './elementwise.js';

export interface ReduceOptions {
  /** Axes to reduce; default all. */
  readonly axes?: number | readonly number[];
  /** Keep reduced axes as size 1 (numpy keepdims). */
  readonly keepDims?: boolean;
}

const resolveAxes = (op: string, x: Tensor, axes: ReduceOptions['axes']): number[] => {
  const list = axes === undefined ? x.shape.map((_, k) => k) : typeof axes === 'number' ? [axes] : [...axes];
  const norm = list.map((a) => normalizeAxis(op, a, x.shape.length, x));
  if (new Set(norm).size !== norm.length) throw new BuildError('bad-axis', op, `axes [${list}] repeat an axis`, [refOf(x)]);
  return norm.sort((a, b) => a - b);
};

const reduce = (fn: ReduceFn, op: string) => (x: Tensor, options: ReduceOptions = {}): Tensor => {
  if (x.dtype === 'bool') throw new BuildError('dtype-mismatch', op, 'expects a numeric tensor, got bool; cast first', [refOf(x)]);
  const axes = resolveAxes(op, x, options.axes);
  if (fn === 'max' && axes.some((a) => x.shape[a] === 0)) {
    throw new BuildError('bad-argument', op, 'max over an empty axis has no value', [refOf(x)]);
  }
  const shape = x.shape.filter((_, k) => !axes.includes(k));
  const reduced = node({ kind: 'reduce', fn, axes }, [x], shape, x.dtype);
  return options.keepDims ? reshape(reduced, x.shape.map((d, k) => (axes.includes(k) ? 1 : d))) : reduced;
};

export const sum = reduce('sum', 'sum');
export const max = reduce('max', 'max');

/** Arithmetic mean: the f32 sum divided by the count. */
export const mean = (x: Tensor, options: ReduceOptions = {}): Tensor => {
  if (x.dtype === 'bool') throw new BuildError('dtype-mismatch', 'mean', 'expects a numeric tensor, got bool; cast first', [refOf(x)]);
  const axes = resolveAxes('mean', x, options.axes);
  const count = sizeOf(axes.map((a) => x.shape[a]));
  return div(cast(sum(x, options), 'f32'), count);
};
