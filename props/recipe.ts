// The raw material of random programs: input shapes and a list of op choices with small integer
// parameters, interpreted by a builder that makes every choice valid (so shrinking stays valid too).
import fc from 'fast-check';
import type { Shape } from '../src/dsl/index.js';

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
