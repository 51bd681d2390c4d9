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
   * 'corrected' (PyTorch): m̂ / (√v̂ + eps). 'uncorrected' (Hugging Face, Child-Tuning reference):
   * m / (√v + eps) · √(1 − b2^t) / (1 − b1^t), eps added to the uncorrected root.
   */
  readonly epsPlacement?: 'corrected' | 'uncorrected';
}

export type AdamState = { readonly count: Tensor; readonly mu: ParamTree; readonly nu: ParamTree };

const zerosLike = (p: ParamTree): ParamTree => mapTree(p, (t) => g.zeros(t.shape));

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
      const out = mapTree(mu, (m, k) => {
        const v = nu[k];
        if (!biasCorrection) return g.div(m, g.add(g.sqrt(v), eps));
        if (epsPlacement === 'corrected') return g.div(g.div(m, g.add(g.div(g.sqrt(v), g.sqrt(bc2)), eps)), bc1);
        return g.mul(g.div(m, g.add(g.sqrt(v), eps)), g.div(g.sqrt(bc2), bc1));
      });
      return [out, { count: t, mu, nu }];
    },
  };
};
