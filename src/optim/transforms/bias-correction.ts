// Adam's bias correction 1 − β^t to f32 accuracy at every step, for moving averages whose weights f32 holds exactly.
import * as g from '../../dsl/index.js';
import type { Tensor } from '../../dsl/index.js';

/**
 * β as the moving average really uses it: f32(β), with 1 − f32(β) exact in f32 (Sterbenz), so the weights sum to
 * exactly 1 and 1 − β^t below is the correction that matches them (PyTorch pairs f32(β) with f32(1 − β) instead).
 */
export const emaDecay = (beta: number): { readonly decay: number; readonly weight: number } => {
  const decay = Math.fround(beta);
  return { decay, weight: 1 - decay };
};

// expm1's Taylor series to y^10/10!: its truncation error is below 2e-8 relative for |y| <= 1/2
const TAYLOR_TERMS = 10;
const TAYLOR_LIMIT = -0.5;

/**
 * 1 − β^t = −expm1(t·ln β), with ln β taken in float64 on the host. In f32, 1 − pow(β, t) cancels (β = 0.999 at
 * t = 1 leaves 1e-5 relative error); near 0, a Taylor series of expm1 in Horner form has no cancellation, and
 * beyond −1/2, 1 − exp(y) loses at most 1.6× exp's own relative error. Only +, ×, exp, where: every backend.
 */
export const biasCorrectionAt = (beta: number, t: Tensor): Tensor => {
  const y = g.mul(t, Math.log(emaDecay(beta).decay));
  // the series only ever sees |y| <= 1/2, so its unused branch cannot overflow into Inf or NaN
  const near = g.maximum(y, TAYLOR_LIMIT);
  let series: Tensor = g.scalar(1);
  for (let k = TAYLOR_TERMS; k >= 2; k--) series = g.add(g.mul(g.mul(near, 1 / k), series), 1);
  return g.where(g.lt(y, TAYLOR_LIMIT), g.sub(1, g.exp(y)), g.neg(g.mul(near, series)));
};
