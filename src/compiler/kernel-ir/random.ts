// A random draw as kernel IR: the interpreter's own generator (dsl/counter-hash.ts) evaluated over
// u32 kernel values, whose add/mul/xor/shifts wrap mod 2^32 exactly like the interpreter's Math.imul.
import type { Op } from '../../dsl/tensor.js';
import type { U32Algebra } from '../../dsl/counter-hash.js';
import { DOMAIN, bernoulliThreshold, drawWord, indexWords, top24 } from '../../dsl/counter-hash.js';
import type { Domain } from '../../dsl/counter-hash.js';
import type { KernelBuilder } from './builder.js';
import { transcendental } from './transcendentals.js';

/** The generator's word arithmetic over u32 kernel values. */
const u32Algebra = (b: KernelBuilder): U32Algebra<number> => {
  const c = (n: number) => b.constant('u32', n);
  return {
    lit: c,
    add: (x, y) => b.binary('add', x, y),
    mul: (x, k) => b.binary('mul', x, c(k)),
    xor: (x, y) => b.binary('xor', x, y),
    and: (x, mask) => b.binary('and', x, c(mask)),
    shr: (x, s) => b.binary('shr', x, c(s)),
    shl: (x, s) => b.binary('shl', x, c(s)),
  };
};

/**
 * The draw at flat element `flat` (i32) of a random op; `key` is the key tensor's value (f32, an
 * integer below 2^24) when the op has no static key.
 */
export const randomDraw = (b: KernelBuilder, op: Extract<Op, { kind: 'random' }>, key: number | undefined, flat: number): number => {
  const A = u32Algebra(b);
  const k = op.key !== undefined ? A.lit(op.key) : b.cast('u32', key!);
  const [lo, hi] = indexWords(A, b.cast('u32', flat), op.offset);
  // the top 24 bits convert to f32 exactly; × 2^-24 is exact too
  const uniform = (domain: Domain) => b.binary('mul', b.cast('f32', top24(A, drawWord(A, k, lo, hi, domain))), b.constant('f32', 2 ** -24));
  const f = (v: number) => b.constant('f32', v);
  const u = uniform(DOMAIN.draw);
  switch (op.dist.kind) {
    case 'uniform':
      return u;
    case 'bernoulli':
      return b.binary('lt', u, f(bernoulliThreshold(op.dist.p)));
    case 'normal': {
      // each step an f32 op, as the interpreter's boxMuller rounds in f32
      const radius = b.unary('sqrt', b.binary('mul', f(-2), transcendental(b, 'log', b.binary('sub', f(1), u))));
      return b.binary('mul', radius, transcendental(b, 'cos', b.binary('mul', f(2 * Math.PI), uniform(DOMAIN.second))));
    }
  }
};
