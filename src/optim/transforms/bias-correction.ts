// Adam's moving averages and their bias correction 1 − β^t, both exact to f32 rounding at every step.
import * as g from '../../dsl/index.js';
import type { Tensor } from '../../dsl/index.js';

/** The weight of the new value in a moving average with decay β, as f32 holds it (1 − β itself, to 6e-8). */
export const emaWeight = (beta: number): number => Math.fround(1 - beta);

/**
 * m + w·(x − m) (PyTorch's lerp for Adam's first moment): its decay is 1 − w exactly, so the weights sum to 1. The
 * form m·f32(β) + x·f32(1 − β) does not (for β = 0.999 they sum to 1 + 1.3e-8: the average of a constant settles at
 * f32(1 − β) / (1 − f32(β)) = 1 + 1.3e-5 times it), which no bias correction undoes.
 */
export const ema = (m: Tensor, x: Tensor, weight: number): Tensor => g.add(m, g.mul(g.sub(x, m), weight));

// expm1's Taylor series to y^10/10!: its truncation error is below 2e-8 relative for |y| <= 1/2
const TAYLOR_TERMS = 10;
const TAYLOR_LIMIT = -0.5;

/**
 * 1 − (1 − w)^t, the bias correction of ema with weight w, as −expm1(t·log1p(−w)) with log1p in float64 on the host.
 * In f32, 1 − pow(β, t) cancels (β = 0.999 at t = 1 leaves 1e-5 relative error); near 0, a Taylor series of expm1 in
 * Horner form has no cancellation, and beyond −1/2, 1 − exp(y) loses at most 1.6× exp's own relative error.
 * Only +, ×, exp and where, so every backend computes it, inside the step's kernels, from the step count in state.
 */
export const biasCorrectionAt = (weight: number, t: Tensor): Tensor => {
  const y = g.mul(t, Math.log1p(-weight));
  // the series only ever sees |y| <= 1/2, so its unused branch cannot overflow into Inf or NaN
  const near = g.maximum(y, TAYLOR_LIMIT);
  let series: Tensor = g.scalar(1);
  for (let k = TAYLOR_TERMS; k >= 2; k--) series = g.add(g.mul(g.mul(near, 1 / k), series), 1);
  return g.where(g.lt(y, TAYLOR_LIMIT), g.sub(1, g.exp(y)), g.neg(g.mul(near, series)));
};
