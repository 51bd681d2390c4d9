// Optimizers as one-line chains of transforms, with their reference defaults.
import * as g from '../dsl/index.js';
import type { Tensor } from '../dsl/index.js';
import type { Transform } from './transform.js';
import { mapTree } from './tree.js';
import { chain } from './combinators/chain.js';
import { scaleByAdam } from './transforms/scale-by-adam.js';
import type { LearningRate } from './transforms/learning-rate.js';
import { scaleByLearningRate } from './transforms/learning-rate.js';
import { addDecayedWeights, decayAfterUpdate } from './transforms/weight-decay.js';
import { childTuning } from './transforms/child-tuning.js';
import { checkHyper, inUnitOpen } from './validate.js';

/** Heavy-ball momentum: t ← g + decay·t; nesterov uses g + decay·t (optax's trace). */
export const traceMomentum = (decay: number, nesterov = false): Transform<{ readonly trace: Readonly<Record<string, Tensor>> }> => {
  checkHyper('sgd', [inUnitOpen('momentum', decay)]);
  return {
    init: (params) => ({ trace: mapTree(params, (p) => g.zeros(p.shape)) }),
    update: (updates, state) => {
      const trace = mapTree(updates, (u, k) => g.add(u, g.mul(state.trace[k], decay)));
      return [nesterov ? mapTree(updates, (u, k) => g.add(u, g.mul(trace[k], decay))) : trace, { trace }];
    },
  };
};

export const sgd = (lr: LearningRate, o: { readonly momentum?: number; readonly nesterov?: boolean } = {}) =>
  o.momentum ? chain(traceMomentum(o.momentum, o.nesterov), scaleByLearningRate(lr)) : chain(scaleByLearningRate(lr));

export interface AdamHyper {
  readonly b1?: number;
  readonly b2?: number;
  readonly eps?: number;
}

/** torch.optim.Adam (no weight decay): lr 1e-3, betas (0.9, 0.999), eps 1e-8. */
export const adam = (lr: LearningRate = 1e-3, o: AdamHyper = {}) => chain(scaleByAdam({ eps: 1e-8, ...o, epsPlacement: 'corrected' }), scaleByLearningRate(lr));

/** torch.optim.AdamW: decay p·(1 − lr·wd) first, eps after bias correction; lr 1e-3, wd 1e-2, eps 1e-8. */
export const adamw = (lr: LearningRate = 1e-3, o: AdamHyper & { readonly weightDecay?: number | Tensor } = {}) =>
  chain(scaleByAdam({ eps: 1e-8, ...o, epsPlacement: 'corrected' }), addDecayedWeights(o.weightDecay ?? 1e-2), scaleByLearningRate(lr));

export interface HfAdamWHyper extends AdamHyper {
  readonly weightDecay?: number | Tensor;
  readonly correctBias?: boolean;
}

/** Hugging Face AdamW: eps on the uncorrected root, step lr·√(1−b2^t)/(1−b1^t), decay after the update; eps 1e-6, wd 0. */
export const hfAdamW = (lr: LearningRate = 1e-3, o: HfAdamWHyper = {}) =>
  chain(
    scaleByAdam({ b1: o.b1, b2: o.b2, eps: o.eps ?? 1e-6, biasCorrection: o.correctBias ?? true, epsPlacement: 'uncorrected' }),
    scaleByLearningRate(lr),
    decayAfterUpdate(o.weightDecay ?? 0, lr),
  );

export interface ChildTuningAdamWHyper extends HfAdamWHyper {
  readonly reserveP?: number;
  /** undefined: plain Hugging Face AdamW. */
  readonly mode?: 'F' | 'D';
  /** Mode F: the generator seed. */
  readonly seed?: number;
  /** Mode D: a fixed 0/1 mask per masked parameter. */
  readonly masks?: Readonly<Record<string, ArrayLike<number>>>;
}

/** The reference ChildTuningAdamW (child-tuning.md): mask the gradient, then Hugging Face AdamW. */
export const childTuningAdamW = (lr: LearningRate = 1e-3, o: ChildTuningAdamWHyper = {}) => {
  const reserveP = o.reserveP ?? 1;
  checkHyper('childTuningAdamW', [
    !(reserveP > 0 && reserveP <= 1) && `reserveP ${reserveP} must lie in (0, 1]`,
    o.mode === 'D' && o.masks === undefined && 'mode D needs masks (see fisherMask)',
  ]);
  const inner = hfAdamW(lr, o);
  if (o.mode === 'F') return chain(childTuning({ mode: 'F', reserveP, seed: o.seed ?? 0 }), inner);
  if (o.mode === 'D') return chain(childTuning({ mode: 'D', masks: o.masks! }), inner);
  return chain(inner);
};
