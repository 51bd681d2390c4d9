// The transcendental functions, each one sequence of float32 steps (algebra.ts) that the f32
// interpreter, the kernel IR lowering and the gpu.js writer all evaluate.
import type { F32Algebra } from './algebra.js';
import { f32Numbers } from './algebra.js';
import { cosF32 } from './cos.js';
import { expF32 } from './exp.js';
import { logF32 } from './log.js';
import { erfF32, tanhF32 } from './tanh-erf.js';

export type { F32Algebra } from './algebra.js';
export { f32Numbers, exponentBits } from './algebra.js';

export type Transcendental = 'exp' | 'log' | 'tanh' | 'erf' | 'cos';

export const TRANSCENDENTALS: { readonly [K in Transcendental]: <T, C>(A: F32Algebra<T, C>, x: T) => T } = {
  exp: expF32,
  log: logF32,
  tanh: tanhF32,
  erf: erfF32,
  cos: cosF32,
};

export const isTranscendental = (fn: string): fn is Transcendental => fn in TRANSCENDENTALS;

/** The float32 value of a transcendental at a float32 x, as every backend computes it. */
export const f32Transcendental = (fn: Transcendental, x: number): number => TRANSCENDENTALS[fn](f32Numbers, Math.fround(x));
