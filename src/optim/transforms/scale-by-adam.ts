import * as g from '../../dsl/index.js';
import type { Tensor } from '../../dsl/index.js';
import type { Transform } from '../transform.js';
import type { ParamTree } from '../tree.js';
import { mapTree } from '../tree.js';
import { checkHyper, inUnitOpen, nonNegative } from '../validate.js';
import { biasCorrectionAt, ema, emaWeight } from './bias-correction.js';

export interface AdamOptions {
  readonly b1?: number;
  readonly b2?: number;
  readonly eps?: number;
  readonly biasCorrection?: boolean;
  /**
   * 'corrected' (PyTorch): m̂ / (√v̂ + eps), in torch's form m / (√v / √(1 − b2^t) + eps) / (1 − b1^t) (lr joins
   * 1 / (1 − b1^t) later in the chain), each division by a per-step scalar a multiply by its reciprocal.
   * 'uncorrected' (Hugging Face, Child-Tuning reference):
   * m / (√v + eps) · √(1 − b2^t) / (1 − b1^t), eps added to the uncorrected root.
   */
  readonly epsPlacement?: 'corrected' | 'uncorrected';
}

export type AdamState = { readonly count: Tensor; readonly mu: ParamTree; readonly nu: ParamTree };

const zerosLike = (p: ParamTree): ParamTree => mapTree(p, (t) => g.zeros(t.shape));

/** PyTorch: m / (√v · (1/√bc2) + eps) · (1/bc1). */
const torchNormalize = (invBc1: Tensor, invRootBc2: Tensor, eps: number) => (m: Tensor, v: Tensor) =>
  g.mul(g.div(m, g.add(g.mul(g.sqrt(v), invRootBc2), eps)), invBc1);

/** Hugging Face: m / (√v + eps) · (√bc2 / bc1). */
const hfNormalize = (stepScale: Tensor, eps: number) => (m: Tensor, v: Tensor) => g.mul(g.div(m, g.add(g.sqrt(v), eps)), stepScale);

/** Adam's moment estimates and normalisation (optax's scale_by_adam); the sign and lr come later. */
export const scaleByAdam = (o: AdamOptions = {}): Transform<AdamState> => {
  const { b1 = 0.9, b2 = 0.999, eps = 1e-8, biasCorrection = true, epsPlacement = 'corrected' } = o;
  checkHyper('scaleByAdam', [inUnitOpen('b1', b1), inUnitOpen('b2', b2), nonNegative('eps', eps)]);
  return {
    init: (params) => ({ count: g.scalar(0), mu: zerosLike(params), nu: zerosLike(params) }),
    update: (updates, state) => {
      const t = g.add(state.count, 1);
      const [w1, w2] = [emaWeight(b1), emaWeight(b2)];
      const bc1 = biasCorrectionAt(w1, t);
      const bc2 = biasCorrectionAt(w2, t);
      const mu = mapTree(updates, (u, k) => ema(state.mu[k], u, w1));
      const nu = mapTree(updates, (u, k) => ema(state.nu[k], g.mul(u, u), w2));
      // scalars taken once per step (kernels hoist them), so every element divides once, as gcc's loop does
      const normalize = !biasCorrection
        ? (m: Tensor, v: Tensor) => g.div(m, g.add(g.sqrt(v), eps))
        : epsPlacement === 'corrected'
          ? torchNormalize(g.div(1, bc1), g.div(1, g.sqrt(bc2)), eps)
          : hfNormalize(g.div(g.sqrt(bc2), bc1), eps);
      const out = mapTree(mu, (m, k) => normalize(m, nu[k]));
      return [out, { count: t, mu, nu }];
    },
  };
};
