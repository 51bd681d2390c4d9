// tanh and erf in float32 steps: an odd polynomial near 0, written x + x·(…) so the leading 1 costs
// no rounding; beyond it, through exp: tanh = 1 − 2/(e^{2|x|} + 1) and
// erf = 1 − e^{−x²}·G(1/|x|), with the sign put back. Fitted coefficients: bench/fit-transcendentals.py.
import type { F32Algebra } from './algebra.js';
import { expF32 } from './exp.js';

const f = Math.fround;
const horner = <T, C>(A: F32Algebra<T, C>, cs: readonly number[], v: T): T =>
  cs.slice(0, -1).reduceRight((acc, c) => A.add(A.mul(acc, v), A.lit(c)), A.lit(cs[cs.length - 1]));
const withSignOf = <T, C>(A: F32Algebra<T, C>, x: T, magnitude: T): T => A.select(A.lt(x, A.lit(0)), A.neg(magnitude), magnitude);

/** tanh(x) = x + x·z·T(z), z = x², for |x| < TANH_EDGE (where tanh is below 0.56). */
const TANH_EDGE = 0.625;
const TANH_SMALL = [-0.3333333134651184, 0.1333320140838623, -0.053946252912282944, 0.021698210388422012, -0.008171788416802883, 0.002138226293027401];

export const tanhF32 = <T, C>(A: F32Algebra<T, C>, x: T): T => {
  const a = A.abs(x);
  const z = A.mul(x, x);
  // at x = -0 the correction is +0 (T(0) < 0) and -0 + +0 = +0: zero is passed through as is
  const small = A.select(A.eq(x, A.lit(0)), x, A.add(x, A.mul(x, A.mul(z, horner(A, TANH_SMALL, z)))));
  // e^{2a} overflows to Infinity for a > 44: 2/Infinity = 0 gives 1
  const large = A.sub(A.lit(1), A.div(A.lit(2), A.add(expF32(A, A.add(a, a)), A.lit(1))));
  return A.select(A.lt(a, A.lit(TANH_EDGE)), small, withSignOf(A, x, large));
};

/** erf(x) = x + x·Q(x²) for |x| < 1 (Q > 0 there, so erf(-0) = -0 + -0 = -0). */
const ERF_SMALL = [0.12837916612625122, -0.37612637877464294, 0.11283782124519348, -0.026865392923355103, 0.0052209231071174145, -0.0008482507546432316, 0.00011254641140112653, -9.63499132922152e-06];
/** erfc(x) = e^{-x²}·G(u), u = (1/x − 5/8)·8/3 in [-1, 1] for x in [1, 4]. */
const ERFC_G = [0.3059529662132263, 0.14335627853870392, -0.024242540821433067, 0.0023097803350538015, 0.00045847645378671587, -0.00035449559800326824, 0.00012653740122914314, -1.9525465177139267e-05, -3.940291662729578e-06];
/** erf rounds to 1 in float32 from 3.84 on: the fit's range ends at 4. */
const ERF_ONE = 4;

export const erfF32 = <T, C>(A: F32Algebra<T, C>, x: T): T => {
  const a0 = A.abs(x);
  const small = A.add(x, A.mul(x, horner(A, ERF_SMALL, A.mul(x, x))));
  const a = A.select(A.gt(a0, A.lit(ERF_ONE)), A.lit(ERF_ONE), a0);
  // (8/3)/a, one rounding: devices with reciprocal folding (SwiftShader) rewrite (1/a)·(8/3) into it anyway
  const u = A.sub(A.div(A.lit(f(8 / 3)), a), A.lit(f(5 / 3)));
  const erfc = A.mul(expF32(A, A.neg(A.mul(a, a))), horner(A, ERFC_G, u));
  return A.select(A.lt(a0, A.lit(1)), small, withSignOf(A, x, A.sub(A.lit(1), erfc)));
};
