// The raw material of random programs: input shapes and a list of op choices with small integer
// parameters, interpreted by a builder that makes every choice valid (so shrinking stays valid too).
import fc from 'fast-check';
import * as g from '../src/dsl/index.js';
import type { Shape, Tensor } from '../src/dsl/index.js';

export type Step = { readonly kind: number; readonly a: number; readonly b: number; readonly p: readonly number[] };

export interface Recipe {
  readonly shapes: readonly Shape[];
  readonly steps: readonly Step[];
  readonly outputs: number;
  readonly seed: number;
}

export const pick = <T>(xs: readonly T[], i: number): T => xs[Math.abs(i) % xs.length];

export interface RecipeOptions {
  readonly ops: number;
  readonly maxDim: number;
  readonly maxInputs: number;
  readonly maxSteps: number;
  readonly maxOutputs: number;
}

export const arbRecipe = (o: RecipeOptions): fc.Arbitrary<Recipe> => {
  const shape: fc.Arbitrary<Shape> = fc.array(fc.integer({ min: 1, max: o.maxDim }), { minLength: 0, maxLength: 3 });
  const step: fc.Arbitrary<Step> = fc.record({ kind: fc.nat(o.ops - 1), a: fc.nat(), b: fc.nat(), p: fc.array(fc.nat(1 << 12), { minLength: 3, maxLength: 3 }) });
  return fc.record({
    shapes: fc.array(shape, { minLength: 1, maxLength: o.maxInputs }),
    steps: fc.array(step, { minLength: 1, maxLength: o.maxSteps }),
    outputs: fc.integer({ min: 1, max: o.maxOutputs }),
    seed: fc.nat(),
  });
};

/** How big a generator's programs get: inputs and op steps. */
export interface GeneratorOptions {
  readonly maxSteps?: number;
  readonly maxInputs?: number;
}

/** A smooth squash to (-2, 2): keeps products and sums from growing without changing smoothness. */
export const bounded = (t: Tensor): Tensor => g.mul(g.tanh(g.mul(t, 0.5)), 2);

/**
 * The inputs, then each step's result in order; a result over `maxSize` elements enters as its
 * bounded sum, so programs stay small enough to compile and check quickly.
 */
export const grownPool = (inputs: readonly Tensor[], steps: readonly Step[], apply: (pool: Tensor[], st: Step) => Tensor, maxSize: number): Tensor[] => {
  const pool = [...inputs];
  for (const st of steps) {
    const t = apply(pool, st);
    pool.push(g.sizeOf(t.shape) > maxSize ? bounded(g.sum(t)) : t);
  }
  return pool;
};

// Movement ops from step parameters, shared by the generators so both explore them the same way.

/** Reshape to [n/d, d] for the first divisor d of the size (when p0 is even), else flatten. */
export const reshapeFrom = (a: Tensor, p0: number, divisors: readonly number[]): Tensor => {
  const n = g.sizeOf(a.shape);
  const d = divisors.find((k) => n % k === 0 && (p0 & 1) === 0);
  return g.reshape(a, d ? [n / d, d] : [n]);
};

/** Trim up to one element from each end of each axis longer than 1. */
export const sliceFrom = (a: Tensor, p0: number, p1: number): Tensor => {
  const starts = a.shape.map((d, k) => (d > 1 ? (p0 >> k) % 2 : 0));
  const ends = a.shape.map((d, k) => Math.max(starts[k] + 1, d - ((p1 >> k) % 2)));
  return g.slice(a, starts, ends);
};

/** A permutation of the axes chosen by (p0, p1). */
export const transposeFrom = (a: Tensor, p0: number, p1: number): Tensor => {
  const perm = a.shape.map((_, k) => k);
  for (let k = perm.length - 1; k > 0; k--) {
    const j = (p0 + k * p1) % (k + 1);
    [perm[k], perm[j]] = [perm[j], perm[k]];
  }
  return g.transpose(a, perm);
};

/** Concatenate with b along axis p0 where the shapes allow, else with `other(a)`. */
export const concatFrom = (a: Tensor, b: Tensor, p0: number, other: (t: Tensor) => Tensor): Tensor => {
  const rank = a.shape.length;
  if (rank === 0) return g.concat([g.reshape(a, [1]), g.reshape(g.mean(b), [1])]);
  const axis = p0 % rank;
  const fits = b.shape.length === rank && b.shape.every((d, k) => k === axis || d === a.shape[k]);
  return g.concat(fits ? [a, b] : [a, other(a)], axis);
};
