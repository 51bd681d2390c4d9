// exp(x) in float32 steps: x = n·ln2 + r with |r| <= ln2/2 (Cody-Waite: n·LN2_HI is exact), e^r by
// its Taylor series to r^7 (truncation < 6e-9 relative), then × 2^n in two exact halves so that a
// subnormal result is rounded once. Overflow gives Infinity, underflow subnormals then 0.
import type { F32Algebra } from './algebra.js';

const f = Math.fround;
/** ln 2 to 16 significant bits: n·LN2_HI is exact for |n| < 2^8. */
export const LN2_HI = f(Math.round(Math.LN2 * 2 ** 16) / 2 ** 16);
export const LN2_LO = f(Math.LN2 - LN2_HI);
const LOG2E = f(Math.LOG2E);
/** e^x overflows float32 above this (ln of the largest float32 is 88.7228…), rounds to 0 below the other. */
const ABOVE_OVERFLOW = f(89);
const BELOW_UNDERFLOW = f(-104);
/** 1/k! for k = 2..7, the Taylor coefficients of e^r after 1 + r. */
const TAYLOR = [2, 6, 24, 120, 720, 5040].map((k) => f(1 / k));

export const expF32 = <T, C>(A: F32Algebra<T, C>, x0: T): T => {
  // clamped so n stays in [-150, 128]; NaN passes through both compares
  const x = A.select(A.gt(x0, A.lit(ABOVE_OVERFLOW)), A.lit(ABOVE_OVERFLOW), A.select(A.lt(x0, A.lit(BELOW_UNDERFLOW)), A.lit(BELOW_UNDERFLOW), x0));
  const n = A.floor(A.add(A.mul(x, A.lit(LOG2E)), A.lit(0.5)));
  const r = A.sub(A.sub(x, A.mul(n, A.lit(LN2_HI))), A.mul(n, A.lit(LN2_LO)));
  const q = TAYLOR.slice(0, -1).reduceRight((acc, c) => A.add(A.mul(acc, r), A.lit(c)), A.lit(TAYLOR[TAYLOR.length - 1]));
  const p = A.add(A.lit(1), A.add(r, A.mul(A.mul(r, r), q)));
  // 2^n = 2^n1 · 2^n2 with n1, n2 in [-75, 64]: p·2^n1 is normal, so only the last product rounds
  const n1 = A.floor(A.mul(n, A.lit(0.5)));
  return A.mul(A.mul(p, A.pow2(n1)), A.pow2(A.sub(n, n1)));
};
