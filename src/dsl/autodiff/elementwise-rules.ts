// Vector-Jacobian products of the elementwise ops: given the op's operands, its result `y` and the
// cotangent `ct` of `y` (all one shape: binary operands arrive already broadcast), the cotangent
// of each operand, as more graph. The rules follow jax.lax's JVP rules, transposed.
import type { BinaryFn, Tensor, UnaryFn } from '../tensor.js';
import { cast, cos, div, eq, exp, gt, log, lt, mul, neg, pow, sub, where } from '../ops/elementwise.js';

/** A cotangent per operand; undefined where no gradient flows (the result is constant there). */
export type OperandCotangents = ReadonlyArray<Tensor | undefined>;

/** sign(x) with sign(0) = 0: the subgradient of |x| that JAX picks, and the central difference at 0. */
const signOf = (x: Tensor): Tensor => sub(cast(gt(x, 0), 'f32'), cast(lt(x, 0), 'f32'));

export const unaryVjp = (fn: UnaryFn, x: Tensor, y: Tensor, ct: Tensor): OperandCotangents => {
  switch (fn) {
    case 'neg':
      return [neg(ct)];
    case 'abs':
      return [mul(ct, signOf(x))];
    case 'sqrt':
      return [div(mul(ct, 0.5), y)];
    case 'rsqrt':
      // d x^(-1/2) = -1/2 x^(-3/2) = -1/2 y^3
      return [mul(ct, mul(-0.5, mul(y, mul(y, y))))];
    case 'exp':
      return [mul(ct, y)];
    case 'log':
      return [div(ct, x)];
    case 'tanh':
      return [mul(ct, sub(1, mul(y, y)))];
    case 'erf':
      // d erf x = 2/√π · e^{−x²}
      return [mul(ct, mul(2 / Math.sqrt(Math.PI), exp(neg(mul(x, x)))))];
    case 'cos':
      // the language has no sin: sin x = cos(x - pi/2) (pi/2 rounded to f32, so ~4e-8 absolute error)
      return [neg(mul(ct, cos(sub(x, Math.PI / 2))))];
    case 'floor':
      // piecewise constant: zero almost everywhere (and no useful value at the jumps)
      return [undefined];
    case 'not':
      return [undefined];
  }
};

/**
 * d(a^b)/da = b a^(b-1), taken as 0 where b = 0 (a^0 = 1 for every a, and this avoids 0 * inf at
 * a = 0). d(a^b)/db = a^b log a where a > 0, and 0 where a <= 0: for a < 0, a^b is real only at
 * integer b, so it has no derivative in b; at a = 0 it is 0 for every b > 0 (flat). As in JAX.
 */
const powVjp = (a: Tensor, b: Tensor, y: Tensor, ct: Tensor): OperandCotangents => [
  mul(ct, where(eq(b, 0), 0, mul(b, pow(a, sub(b, 1))))),
  where(gt(a, 0), mul(ct, mul(y, log(a))), 0),
];

/**
 * min and max send the cotangent to the operand chosen; at a tie each operand gets half (JAX's
 * balanced rule). Half is also what a central difference sees at a two-way tie whose sides move
 * linearly: (max(c1 h, c2 h) - max(-c1 h, -c2 h)) / 2h = (c1 + c2) / 2.
 */
const chooserVjp = (fn: 'min' | 'max', a: Tensor, b: Tensor, ct: Tensor): OperandCotangents => {
  const wins = fn === 'max' ? gt(a, b) : lt(a, b);
  const share = where(wins, 1, where(eq(a, b), 0.5, 0));
  return [mul(ct, share), mul(ct, sub(1, share))];
};

export const binaryVjp = (fn: BinaryFn, a: Tensor, b: Tensor, y: Tensor, ct: Tensor): OperandCotangents => {
  switch (fn) {
    case 'add':
      return [ct, ct];
    case 'sub':
      return [ct, neg(ct)];
    case 'mul':
      return [mul(ct, b), mul(ct, a)];
    case 'div':
      // d(a/b)/db = -a/b^2 = -y/b
      return [div(ct, b), neg(div(mul(ct, y), b))];
    case 'pow':
      return powVjp(a, b, y, ct);
    case 'min':
    case 'max':
      return chooserVjp(fn, a, b, ct);
    case 'lt':
    case 'le':
    case 'gt':
    case 'ge':
    case 'eq':
    case 'ne':
    case 'and':
    case 'or':
      // bool results: piecewise constant in the operands
      return [undefined, undefined];
  }
};

/** where(c, a, b): the cotangent goes to the branch taken; the condition is bool and gets none. */
export const whereVjp = (cond: Tensor, ct: Tensor): OperandCotangents => [undefined, where(cond, ct, 0), where(cond, 0, ct)];

/** f32 -> f32 passes the cotangent through; anything from or to i32 and bool is piecewise constant. */
export const castVjp = (x: Tensor, y: Tensor, ct: Tensor): OperandCotangents => [x.dtype === 'f32' && y.dtype === 'f32' ? ct : undefined];
