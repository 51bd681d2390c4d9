// How far a program's evaluation point is from any kink or jump: a finite difference is only a
// derivative where the function is smooth within the step, so gradient checks skip points closer
// than a margin to a non-smooth point (a tie in max, an abs at 0, a comparison flipping).
import * as g from '../src/dsl/index.js';
import type { Tensor } from '../src/dsl/index.js';

/** Large: no kink anywhere (or only exact ties, where the rules' even split is what a central difference sees). */
export const SMOOTH = 1e6;

const smallest = (t: Tensor): Tensor => g.neg(g.max(g.neg(t)));

/** Distance of x from the nearest integer (where floor and f32 -> i32 casts jump). */
const offInteger = (x: Tensor): Tensor => {
  const frac = g.sub(x, g.floor(x));
  return g.minimum(frac, g.sub(1, frac));
};

/** |a - b| where a != b; exact ties count as smooth (continuous ops only). */
const gapUnlessTied = (a: Tensor, b: Tensor): Tensor => g.where(g.eq(a, b), SMOOTH, g.abs(g.sub(a, b)));

const distances = (t: Tensor): Tensor | undefined => {
  const op = t.op;
  const [a, b] = t.inputs;
  const f32In = a !== undefined && a.dtype === 'f32';
  if (op.kind === 'unary' && op.fn === 'abs' && f32In) return g.where(g.eq(a, 0), SMOOTH, g.abs(a));
  if (op.kind === 'unary' && op.fn === 'floor') return offInteger(a);
  if (op.kind === 'binary' && (op.fn === 'min' || op.fn === 'max') && f32In) return gapUnlessTied(a, b);
  // a comparison flips at equality: an exact tie is as bad as a near one
  if (op.kind === 'binary' && ['lt', 'le', 'gt', 'ge', 'eq', 'ne'].includes(op.fn) && f32In) return g.abs(g.sub(a, b));
  if (op.kind === 'cast' && f32In && t.dtype !== 'f32') return t.dtype === 'bool' ? g.abs(a) : offInteger(a);
  if (op.kind === 'reduce' && op.fn === 'max' && f32In) {
    const m = g.reshape(t, a.shape.map((d, k) => (op.axes.includes(k) ? 1 : d)));
    return g.where(g.eq(a, m), SMOOTH, g.sub(m, a));
  }
  return undefined;
};

/**
 * A scalar: the smallest distance, over every non-smooth op in `root`'s graph, of its operands
 * from the op's kink or jump at the point being evaluated; SMOOTH when there is none.
 */
export const smoothnessMargin = (root: Tensor): Tensor =>
  g
    .topoOrder([root])
    .map(distances)
    .filter((d): d is Tensor => d !== undefined && g.sizeOf(d.shape) > 0)
    .reduce<Tensor>((acc, d) => g.minimum(acc, smallest(d)), g.scalar(SMOOTH));
