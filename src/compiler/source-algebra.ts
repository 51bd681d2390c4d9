// The transcendentals' float32 steps (dsl/transcendentals) as gpu.js source: each step one
// `Math.fround`-rounded statement, so gpu.js cpu (JavaScript doubles) and webasm (f32) compute the
// interpreter's bits. gpu.js has no bitcast: 2^k is Math.pow(2, k) (exact for integer k in both),
// and the exponent is floor(log2 x) corrected by two exact compares (log2 may round across 2^e).
import type { F32Algebra, Transcendental } from '../dsl/transcendentals/index.js';
import { TRANSCENDENTALS } from '../dsl/transcendentals/index.js';
import { f32, lit } from './literal.js';

/** The steps as source; `bind` names an expression (a `const` in the kernel) and returns the name. */
export const sourceAlgebra = (bind: (expr: string) => string): F32Algebra<string, string> => ({
  lit,
  add: (a, b) => bind(f32(`${a} + ${b}`)),
  sub: (a, b) => bind(f32(`${a} - ${b}`)),
  mul: (a, b) => bind(f32(`${a} * ${b}`)),
  div: (a, b) => bind(f32(`${a} / ${b}`)),
  neg: (a) => bind(`(-${a})`),
  abs: (a) => bind(`Math.abs(${a})`),
  floor: (a) => bind(`Math.floor(${a})`),
  lt: (a, b) => `(${a} < ${b})`,
  gt: (a, b) => `(${a} > ${b})`,
  eq: (a, b) => `(${a} == ${b})`,
  select: (c, a, b) => bind(`(${c} ? ${a} : ${b})`),
  pow2: (k) => bind(`Math.pow(2.0, ${k})`),
  exponent: (x) => {
    const e = bind(`Math.floor(Math.log2(${x}))`);
    return bind(`(${x} < Math.pow(2.0, ${e}) ? ${e} - 1.0 : (${x} >= Math.pow(2.0, ${e} + 1.0) ? ${e} + 1.0 : ${e}))`);
  },
});

export const transcendentalSource = (bind: (expr: string) => string, fn: Transcendental, x: string): string => TRANSCENDENTALS[fn](sourceAlgebra(bind), x);
