// The transcendentals' float32 steps (dsl/transcendentals) as shader source text, one bound
// statement per step, in two dialects that differ only in spelling: gpu.js (JavaScript, each step
// `Math.fround`-rounded, so gpu.js cpu with doubles and webasm with f32 compute the interpreter's
// bits) and WGSL (f32 already; bitcasts for 2^k and the exponent, as the kernel IR lowering does).
import type { F32Algebra, Transcendental } from '../dsl/transcendentals/index.js';
import { TRANSCENDENTALS } from '../dsl/transcendentals/index.js';
import { f32, lit } from './literal.js';

/** How one language spells the steps that are not plain infix (`bind` names an expression and returns the name). */
export interface SourceDialect {
  readonly lit: (v: number) => string;
  /** An f32-rounded arithmetic result. */
  readonly round: (expr: string) => string;
  /** abs or floor of a value. */
  readonly call: (fn: 'abs' | 'floor', a: string) => string;
  readonly select: (c: string, a: string, b: string) => string;
  readonly pow2: (bind: (expr: string) => string, k: string) => string;
  readonly exponent: (bind: (expr: string) => string, x: string) => string;
}

/** The steps as source in `dialect`; `bind` names an expression (a `const`/`let`) and returns the name. */
export const textAlgebra = (dialect: SourceDialect, bind: (expr: string) => string): F32Algebra<string, string> => ({
  lit: dialect.lit,
  add: (a, b) => bind(dialect.round(`${a} + ${b}`)),
  sub: (a, b) => bind(dialect.round(`${a} - ${b}`)),
  mul: (a, b) => bind(dialect.round(`${a} * ${b}`)),
  div: (a, b) => bind(dialect.round(`${a} / ${b}`)),
  neg: (a) => bind(`(-${a})`),
  abs: (a) => bind(dialect.call('abs', a)),
  floor: (a) => bind(dialect.call('floor', a)),
  lt: (a, b) => `(${a} < ${b})`,
  gt: (a, b) => `(${a} > ${b})`,
  eq: (a, b) => `(${a} == ${b})`,
  select: (c, a, b) => bind(dialect.select(c, a, b)),
  pow2: (k) => dialect.pow2(bind, k),
  exponent: (x) => dialect.exponent(bind, x),
});

/** gpu.js: no bitcast, so 2^k is Math.pow(2, k) (exact for integer k in both modes) and the exponent floor(log2 x) corrected by two exact compares. */
const GPUJS: SourceDialect = {
  // lit writes infinities as the largest finite float
  lit: (v) => (v === Infinity ? '(1.0 / 0.0)' : v === -Infinity ? '(-1.0 / 0.0)' : lit(v)),
  round: f32,
  call: (fn, a) => `Math.${fn}(${a})`,
  select: (c, a, b) => `(${c} ? ${a} : ${b})`,
  pow2: (bind, k) => bind(`Math.pow(2.0, ${k})`),
  exponent: (bind, x) => {
    const e = bind(`Math.floor(Math.log2(${x}))`);
    return bind(`(${x} < Math.pow(2.0, ${e}) ? ${e} - 1.0 : (${x} >= Math.pow(2.0, ${e} + 1.0) ? ${e} + 1.0 : ${e}))`);
  },
};

/** The steps as gpu.js source. */
export const sourceAlgebra = (bind: (expr: string) => string): F32Algebra<string, string> => textAlgebra(GPUJS, bind);

export const transcendentalSource = (bind: (expr: string) => string, fn: Transcendental, x: string): string => TRANSCENDENTALS[fn](sourceAlgebra(bind), x);
