// Softmax and log-softmax along an axis, stabilised by subtracting the maximum first.
import * as g from '../dsl/index.js';
import type { Tensor } from '../dsl/index.js';

const shifted = (x: Tensor, axis: number): Tensor => g.sub(x, g.max(x, { axes: axis, keepDims: true }));

/** exp(x - max) / Σ exp(x - max): never overflows, whatever the scale of x. */
export const softmax = (x: Tensor, axis = -1): Tensor => {
  const e = g.exp(shifted(x, axis));
  return g.div(e, g.sum(e, { axes: axis, keepDims: true }));
};

/** (x - max) - log Σ exp(x - max): finite even where softmax underflows to 0. */
export const logSoftmax = (x: Tensor, axis = -1): Tensor => {
  const s = shifted(x, axis);
  return g.sub(s, g.log(g.sum(g.exp(s), { axes: axis, keepDims: true })));
};
