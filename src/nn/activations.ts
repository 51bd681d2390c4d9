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

// Abramowitz & Stegun 7.1.26: erf(z) = 1 - (a1·t + … + a5·t⁵)·exp(-z²), t = 1/(1 + p·z), z >= 0; |error| <= 1.5e-7.
const P = 0.3275911;
const A = [0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429] as const;

/** erf of a non-negative tensor (erf is not an op of the language; this is within 1.5e-7 of it). */
const erfNonNegative = (z: Tensor): Tensor => {
  const t = g.div(1, g.add(g.mul(z, P), 1));
  // Horner: t·(a1 + t·(a2 + t·(a3 + t·(a4 + t·a5))))
  const poly = A.slice(0, 4).reduceRight<Tensor>((acc, a) => g.mul(g.add(acc, a), t), g.mul(t, A[4]));
  return g.sub(1, g.mul(poly, g.exp(g.neg(g.mul(z, z)))));
};

/** erf(x) for any x, by oddness: sign(x)·erf(|x|), through the A&S 7.1.26 approximation. */
export const erf = (x: Tensor): Tensor => g.mul(g.div(x, g.maximum(g.abs(x), 1e-30)), erfNonNegative(g.abs(x)));

/**
 * GELU, exact form x·Φ(x) = 0.5·x·(1 + erf(x/√2)) — PyTorch's default, HF BERT's `gelu` — with erf
 * from A&S 7.1.26, so within ~1e-7·|x| of it. Written 0.5·(x + |x|·erf(|x|/√2)) to need no sign.
 */
export const geluErf = (x: Tensor): Tensor => {
  const ax = g.abs(x);
  return g.mul(g.add(x, g.mul(ax, erfNonNegative(g.mul(ax, Math.SQRT1_2)))), 0.5);
};

export type Activation = 'gelu' | 'gelu_tanh' | 'relu' | 'tanh';

/** HF config names: 'gelu' is the exact (erf) GELU, 'gelu_tanh' the tanh form. */
export const activation = (name: Activation): ((x: Tensor) => Tensor) =>
  ({ gelu: geluErf, gelu_tanh: gelu, relu, tanh: g.tanh })[name];
