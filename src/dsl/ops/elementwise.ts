import type { DType } from '../dtype.js';
import type { Shape } from '../shape.js';
import { broadcastShapes, sameShape, showShape } from '../shape.js';
import { BuildError } from '../errors.js';
import type { BinaryFn, Tensor, UnaryFn } from '../tensor.js';
import { node, refOf } from '../tensor.js';
import { lift } from './create.js';
import { dual2 } from './dual.js';

/** Stretch `t` to `shape` by numpy broadcasting (a movement op: no data is copied when fused). */
export const broadcastTo = (t: Tensor, shape: Shape): Tensor => {
  if (sameShape(t.shape, shape)) return t;
  const out = broadcastShapes(t.shape, shape);
  if (!out || !sameShape(out, shape)) {
    throw new BuildError('shape-mismatch', 'broadcastTo', `cannot broadcast ${showShape(t.shape)} to ${showShape(shape)}`, [refOf(t)]);
  }
  return node({ kind: 'broadcast' }, [t], shape, t.dtype);
};

const FLOAT_ONLY: ReadonlySet<UnaryFn> = new Set(['sqrt', 'rsqrt', 'exp', 'log', 'tanh', 'erf', 'floor', 'cos']);

const unary = (fn: UnaryFn) => (x: Tensor): Tensor => {
  if (fn === 'not' ? x.dtype !== 'bool' : x.dtype === 'bool' || (FLOAT_ONLY.has(fn) && x.dtype !== 'f32')) {
    const want = fn === 'not' ? 'bool' : FLOAT_ONLY.has(fn) ? 'f32' : 'f32 or i32';
    throw new BuildError('dtype-mismatch', fn, `expects ${want}, got ${x.dtype}`, [refOf(x)]);
  }
  return node({ kind: 'unary', fn }, [x], x.shape, x.dtype);
};

export const neg = unary('neg');
export const abs = unary('abs');
export const sqrt = unary('sqrt');
export const rsqrt = unary('rsqrt');
export const exp = unary('exp');
export const log = unary('log');
export const tanh = unary('tanh');
/** The error function, erf x = 2/√π ∫₀ˣ e^{−t²} dt (for the exact GELU). */
export const erf = unary('erf');
export const floor = unary('floor');
export const cos = unary('cos');
export const logicalNot = unary('not');

const COMPARISON: ReadonlySet<BinaryFn> = new Set(['lt', 'le', 'gt', 'ge', 'eq', 'ne']);
const LOGICAL: ReadonlySet<BinaryFn> = new Set(['and', 'or']);

const resultDType = (fn: BinaryFn, a: Tensor, b: Tensor): DType => {
  if (a.dtype !== b.dtype) {
    throw new BuildError('dtype-mismatch', fn, `operands have different dtypes ${a.dtype} and ${b.dtype}; cast one`, [refOf(a), refOf(b)]);
  }
  if (LOGICAL.has(fn)) {
    if (a.dtype !== 'bool') throw new BuildError('dtype-mismatch', fn, `expects bool operands, got ${a.dtype}`, [refOf(a), refOf(b)]);
    return 'bool';
  }
  if (a.dtype === 'bool' && fn !== 'eq' && fn !== 'ne') {
    throw new BuildError('dtype-mismatch', fn, 'expects numeric operands, got bool; cast to f32 first', [refOf(a), refOf(b)]);
  }
  if ((fn === 'div' || fn === 'pow') && a.dtype !== 'f32') {
    throw new BuildError('dtype-mismatch', fn, `expects f32 operands, got ${a.dtype}; cast to f32 first`, [refOf(a), refOf(b)]);
  }
  return COMPARISON.has(fn) ? 'bool' : a.dtype;
};

/** Both operands broadcast to a common shape first, as numpy does. */
const binary = (fn: BinaryFn) =>
  dual2((a: Tensor | number, b: Tensor | number): Tensor => {
    const ta = typeof a === 'number' ? lift(a, typeof b === 'number' ? 'f32' : b.dtype) : a;
    const tb = lift(b, ta.dtype);
    const dtype = resultDType(fn, ta, tb);
    const shape = broadcastShapes(ta.shape, tb.shape);
    if (!shape) {
      throw new BuildError('shape-mismatch', fn, `shapes ${showShape(ta.shape)} and ${showShape(tb.shape)} do not broadcast`, [refOf(ta), refOf(tb)]);
    }
    return node({ kind: 'binary', fn }, [broadcastTo(ta, shape), broadcastTo(tb, shape)], shape, dtype);
  });

export const add = binary('add');
export const sub = binary('sub');
export const mul = binary('mul');
export const div = binary('div');
export const pow = binary('pow');
export const minimum = binary('min');
export const maximum = binary('max');
export const lt = binary('lt');
export const le = binary('le');
export const gt = binary('gt');
export const ge = binary('ge');
export const eq = binary('eq');
export const ne = binary('ne');
export const logicalAnd = binary('and');
export const logicalOr = binary('or');

/** Elementwise select: `cond ? a : b`, all three broadcast together. */
export const where = (cond: Tensor, a: Tensor | number, b: Tensor | number): Tensor => {
  if (cond.dtype !== 'bool') throw new BuildError('dtype-mismatch', 'where', `condition must be bool, got ${cond.dtype}`, [refOf(cond)]);
  const ta = typeof a === 'number' ? lift(a, typeof b === 'number' ? 'f32' : b.dtype) : a;
  const tb = lift(b, ta.dtype);
  if (ta.dtype !== tb.dtype) throw new BuildError('dtype-mismatch', 'where', `branches have different dtypes ${ta.dtype} and ${tb.dtype}`, [refOf(ta), refOf(tb)]);
  const s1 = broadcastShapes(cond.shape, ta.shape);
  const shape = s1 && broadcastShapes(s1, tb.shape);
  if (!shape) {
    throw new BuildError('shape-mismatch', 'where', `shapes ${showShape(cond.shape)}, ${showShape(ta.shape)} and ${showShape(tb.shape)} do not broadcast`, [refOf(cond), refOf(ta), refOf(tb)]);
  }
  return node({ kind: 'where' }, [broadcastTo(cond, shape), broadcastTo(ta, shape), broadcastTo(tb, shape)], shape, ta.dtype);
};

/** Change dtype: f32 -> i32 truncates toward zero; bool -> number gives 0/1; number -> bool is `!= 0`. */
export const cast = dual2((x: Tensor, to: DType): Tensor => (x.dtype === to ? x : node({ kind: 'cast' }, [x], x.shape, to)));
