// log(x) in float32 steps: x = 2^e·m with m in [√½, √2), f = m − 1 (exact), s = f/(2+f), and
// log(1+f) = 2·atanh(s) = f − s·(f − R) with R = 2s²/3 + 2s⁴/5 + 2s⁶/7 + 2s⁸/9 (|s| < 0.172, so the
// truncation is < 1e-9 relative); then e·ln2 in two parts (e·LN2_HI exact).
import type { F32Algebra } from './algebra.js';
import { LN2_HI, LN2_LO } from './exp.js';

const f = Math.fround;
/** Below this x is scaled by 2^24, so x/2 below is still normal (and exact). */
const SCALE_BELOW = f(2 ** -125);
const SQRT2 = f(Math.SQRT2);
const MAX_F32 = f(3.4028234663852886e38);
/** 2k/(2k+1)-free form: the coefficients 2/3, 2/5, 2/7, 2/9 of the atanh series in s². */
const ATANH = [3, 5, 7, 9].map((k) => f(2 / k));

export const logF32 = <T, C>(A: F32Algebra<T, C>, x: T): T => {
  // subnormals (and the lowest normals) scaled up exactly, so the exponent is read from a normal value
  const tiny = A.lt(x, A.lit(SCALE_BELOW));
  const xs = A.select(tiny, A.mul(x, A.lit(2 ** 24)), x);
  const e0 = A.exponent(xs);
  // m = x·2^-e as (x/2)·2^(1-e): 1 - e stays in pow2's range [-126, 127] for e in [-125, 127]
  const m0 = A.mul(A.mul(xs, A.lit(0.5)), A.pow2(A.sub(A.lit(1), e0)));
  const high = A.gt(m0, A.lit(SQRT2));
  const m = A.select(high, A.mul(m0, A.lit(0.5)), m0);
  const e = A.add(A.add(e0, A.select(high, A.lit(1), A.lit(0))), A.select(tiny, A.lit(-24), A.lit(0)));
  const fr = A.sub(m, A.lit(1));
  const s = A.div(fr, A.add(A.lit(2), fr));
  const z = A.mul(s, s);
  const R = A.mul(z, ATANH.slice(0, -1).reduceRight((acc, c) => A.add(A.mul(acc, z), A.lit(c)), A.lit(ATANH[ATANH.length - 1])));
  const log1p = A.sub(fr, A.mul(s, A.sub(fr, R)));
  const y = A.add(A.mul(e, A.lit(LN2_HI)), A.add(log1p, A.mul(e, A.lit(LN2_LO))));
  // IEEE: log(±0) = -Infinity, log(x < 0) = NaN, log(+Infinity) = +Infinity; NaN flows through y.
  // The special values are computed from x (-1/|0|, (x-x)/(x-x), x), never written as literals: WGSL rejects those
  const xMinusX = A.sub(x, x);
  const special = A.select(A.eq(x, A.lit(0)), A.div(A.lit(-1), A.abs(x)), A.select(A.lt(x, A.lit(0)), A.div(xMinusX, xMinusX), x));
  return A.select(A.lt(A.lit(MAX_F32), x), special, A.select(A.gt(x, A.lit(0)), y, special));
};
