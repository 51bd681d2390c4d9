// A random draw as kernel IR: the interpreter's own generator (dsl/philox.ts) evaluated over
// kernel values, so every renderer computes what the interpreter computes. Today's generator
// works on 12-bit limbs held in f32 (every intermediate an integer below 2^24, exact).
import type { Op } from '../../dsl/tensor.js';
import type { LimbAlgebra } from '../../dsl/philox.js';
import { LIMB, bernoulliThreshold, indexLimbs, limbs2, philox } from '../../dsl/philox.js';
import type { KernelBuilder } from './builder.js';

/** The generator's limb arithmetic over f32 kernel values. */
const f32Algebra = (b: KernelBuilder): LimbAlgebra<number> => ({
  lit: (v) => b.constant('f32', v),
  add: (x, y) => b.binary('add', x, y),
  sub: (x, y) => b.binary('sub', x, y),
  mul: (x, y) => b.binary('mul', x, y),
  // × 2^-12 is exact like ÷ 4096
  hi: (x) => b.unary('floor', b.binary('mul', x, b.constant('f32', 1 / LIMB))),
});

/**
 * The draw at flat element `flat` (i32) of a random op; `key` is the key tensor's value (f32)
 * when the op has no static key.
 */
export const randomDraw = (b: KernelBuilder, op: Extract<Op, { kind: 'random' }>, key: number | undefined, flat: number): number => {
  const A = f32Algebra(b);
  const k: [number, number] = op.key !== undefined ? [A.lit(op.key % LIMB), A.lit(Math.floor(op.key / LIMB))] : limbs2(A, key!);
  const [i0, i1, i2] = indexLimbs(A, b.cast('f32', flat), op.offset);
  const [w0, w1, w2, w3] = philox(A, [i0, i1, i2, A.lit(0)], k);
  const word = (hi: number, lo: number) => A.mul(A.add(A.mul(hi, A.lit(LIMB)), lo), A.lit(2 ** -24));
  const u = word(w0, w1);
  switch (op.dist.kind) {
    case 'uniform':
      return u;
    case 'bernoulli':
      return b.binary('lt', u, A.lit(bernoulliThreshold(op.dist.p)));
    case 'normal': {
      const radius = b.unary('sqrt', A.mul(A.lit(-2), b.unary('log', A.sub(A.lit(1), u))));
      return A.mul(radius, b.unary('cos', A.mul(A.lit(2 * Math.PI), word(w2, w3))));
    }
  }
};
