// cos(x) in float32 steps: |x| = k·π/2 + r with |r| <= π/4 (π/2 in four parts; k·part is exact for
// the first three while k < 2^12, |x| < 6433), then ±cos r or ±sin r by k mod 4, each by its Taylor
// series (truncation < 2e-9). Beyond |x| = 6433 the reduction loses accuracy (still the same bits everywhere).
import type { F32Algebra } from './algebra.js';

const f = Math.fround;
/** π/2 as PI2_1 + PI2_2 + PI2_3 + PI2_4, the first three of 12 significant bits each. */
const split12 = (v: number): number => {
  const e = Math.floor(Math.log2(Math.abs(v)));
  return Math.round(v * 2 ** (11 - e)) / 2 ** (11 - e);
};
const PI2_1 = split12(Math.PI / 2);
const PI2_2 = split12(Math.PI / 2 - PI2_1);
const PI2_3 = split12(Math.PI / 2 - PI2_1 - PI2_2);
/** π/2 − Math.PI/2: the digits of π/2 that float64 drops. */
const PI2_TAIL = 6.123233995736766e-17;
const PI2_4 = f(Math.PI / 2 - PI2_1 - PI2_2 - PI2_3 + PI2_TAIL);
const TWO_OVER_PI = f(2 / Math.PI);
const factorial = (k: number): number => (k <= 1 ? 1 : k * factorial(k - 1));
/** cos r = 1 − r²/2 + r⁴·C(r²); sin r = r + r·r²·S(r²). */
const COS = [4, 6, 8, 10].map((k) => f((k % 4 === 0 ? 1 : -1) / factorial(k)));
const SIN = [3, 5, 7, 9].map((k) => f((k % 4 === 1 ? 1 : -1) / factorial(k)));

export const cosF32 = <T, C>(A: F32Algebra<T, C>, x: T): T => {
  const horner = (cs: readonly number[], v: T): T => cs.slice(0, -1).reduceRight((acc, c) => A.add(A.mul(acc, v), A.lit(c)), A.lit(cs[cs.length - 1]));
  const a = A.abs(x);
  const k = A.floor(A.add(A.mul(a, A.lit(TWO_OVER_PI)), A.lit(0.5)));
  const r = [PI2_1, PI2_2, PI2_3, PI2_4].reduce((acc, p) => A.sub(acc, A.mul(k, A.lit(p))), a);
  const z = A.mul(r, r);
  const c = A.add(A.sub(A.lit(1), A.mul(z, A.lit(0.5))), A.mul(A.mul(z, z), horner(COS, z)));
  const s = A.add(r, A.mul(A.mul(r, z), horner(SIN, z)));
  const quadrant = A.sub(k, A.mul(A.floor(A.mul(k, A.lit(0.25))), A.lit(4)));
  // Infinity and NaN leave quadrant NaN: every compare fails and s (NaN) is the result
  return A.select(A.eq(quadrant, A.lit(0)), c, A.select(A.eq(quadrant, A.lit(1)), A.neg(s), A.select(A.eq(quadrant, A.lit(2)), A.neg(c), s)));
};
