// Child-Tuning's gradient masks (Xu et al., EMNLP 2021; reference step in child-tuning.md).
import * as g from '../../dsl/index.js';
import { BuildError } from '../../dsl/index.js';
import type { Transform } from '../transform.js';
import { mapTree } from '../tree.js';
import { checkHyper } from '../validate.js';

export type ChildTuningMode =
  /** Task-free: a fresh Bernoulli(reserveP) element mask every step, rescaled by 1/reserveP (unbiased). */
  | { readonly mode: 'F'; readonly reserveP: number; readonly seed: number }
  /** Task-dependent: a fixed 0/1 mask per masked parameter (from Fisher information), no rescale. */
  | { readonly mode: 'D'; readonly masks: Readonly<Record<string, ArrayLike<number>>> };

/**
 * Multiplies gradients by the mask BEFORE the moments. F draws its mask inside the fused step from
 * the counter generator keyed by (seed, step) and the parameter's global element index: no mask tensor.
 */
export const childTuning = (o: ChildTuningMode): Transform<{}> => {
  if (o.mode === 'F') {
    checkHyper('childTuning', [
      !(o.reserveP > 0 && o.reserveP <= 1) && `reserveP ${o.reserveP} must lie in (0, 1] (0 would divide by zero)`,
      !(Number.isInteger(o.seed) && o.seed >= 0 && o.seed < 2 ** 24) && `seed ${o.seed} must be an integer in [0, 2^24)`,
    ]);
  }
  return {
    init: (params) => {
      if (o.mode === 'D') {
        const unknown = Object.keys(o.masks).filter((k) => !(k in params));
        if (unknown.length) throw new BuildError('bad-argument', 'childTuning', `masks name parameters that do not exist: ${unknown.map((k) => `'${k}'`).join(', ')}`);
      }
      return {};
    },
    update: (updates, _state, _params, ctx) => {
      if (o.mode === 'F') {
        if (o.reserveP === 1) return [updates, {}];
        const key = ctx.stepKey(o.seed);
        return [mapTree(updates, (u, k) => g.mul(u, g.div(g.cast(g.bernoulli(key, o.reserveP, u.shape, { offset: ctx.offsetOf(k) }), 'f32'), o.reserveP))), {}];
      }
      return [mapTree(updates, (u, k) => (k in o.masks ? g.mul(u, g.cast(ctx.fixedInput(`mask:${k}`, u.shape, 'bool', o.masks[k]), 'f32')) : u)), {}];
    },
  };
};
