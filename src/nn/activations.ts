// Elementwise activations as plain tensor functions (they own no parameters).
import * as g from '../dsl/index.js';
import type { Tensor } from '../dsl/index.js';

/** max(x, 0) whose gradient is 0 at x = 0, as PyTorch's (a max would split the tie and pass half). */
export const relu = (x: Tensor): Tensor => g.where(g.gt(x, 0), x, 0);

/**
 * GELU, tanh form: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))) — PyTorch's approximate='tanh',
 * HF's `gelu_new`/`gelu_pytorch_tanh`. Within 5e-4 of the exact (erf) GELU everywhere.
 */
export const gelu = (x: Tensor): Tensor => {
  const inner = g.mul(g.add(x, g.mul(g.mul(g.mul(x, x), x), 0.044715)), Math.sqrt(2 / Math.PI));
  return g.mul(g.mul(x, 0.5), g.add(g.tanh(inner), 1));
};

/** erf, the language's op (float32 steps within ~1.3 ulp of float64, the same bits on every backend). */
export const erf = (x: Tensor): Tensor => g.erf(x);

/**
 * GELU, exact form x·Φ(x) = 0.5·x·(1 + erf(x/√2)) — PyTorch's default, HF BERT's `gelu`; its
 * gradient, 0.5·(1 + erf(x/√2)) + x·φ(x), comes from erf's.
 */
export const geluErf = (x: Tensor): Tensor => g.mul(g.mul(x, 0.5), g.add(g.erf(g.mul(x, Math.SQRT1_2)), 1));

export type Activation = 'gelu' | 'gelu_tanh' | 'relu' | 'tanh';

/** HF config names: 'gelu' is the exact (erf) GELU, 'gelu_tanh' the tanh form. */
export const activation = (name: Activation): ((x: Tensor) => Tensor) =>
  ({ gelu: geluErf, gelu_tanh: gelu, relu, tanh: g.tanh })[name];
