import * as g from '../../dsl/index.js';
import type { Tensor } from '../../dsl/index.js';
import type { Transform } from '../transform.js';
import { mapTree } from '../tree.js';
import type { LearningRate } from './learning-rate.js';
import { checkLearningRate, lrTensor } from './learning-rate.js';
import { checkHyper, nonNegative } from '../validate.js';

type Rate = number | Tensor;
const rate = (r: Rate) => (typeof r === 'number' ? g.scalar(r) : r);

/**
 * PyTorch's decoupled decay, p ← p·(1 − lr·wd) before the step: in a chain before
 * scaleByLearningRate it adds wd·p to the updates (optax's add_decayed_weights).
 */
export const addDecayedWeights = (weightDecay: Rate): Transform<{}> => {
  if (typeof weightDecay === 'number') checkHyper('addDecayedWeights', [nonNegative('weight decay', weightDecay)]);
  return {
    init: () => ({}),
    update: (updates, _state, params) => [mapTree(updates, (u, k) => (weightDecay === 0 ? u : g.add(u, g.mul(params[k], rate(weightDecay))))), {}],
  };
};

/**
 * Hugging Face / Child-Tuning decay after the update, on the updated value: p' = p + u, then
 * p' ← p' − lr·wd·p'. Goes last in a chain, after scaleByLearningRate.
 */
export const decayAfterUpdate = (weightDecay: Rate, lr: LearningRate): Transform<{ readonly count: Tensor }> => {
  if (typeof weightDecay === 'number') checkHyper('decayAfterUpdate', [nonNegative('weight decay', weightDecay)]);
  checkLearningRate('decayAfterUpdate', lr);
  return {
    init: () => ({ count: g.scalar(0) }),
    update: (updates, state, params) => {
      const factor = g.mul(lrTensor(lr, state.count), rate(weightDecay));
      const out = weightDecay === 0 ? updates : mapTree(updates, (u, k) => g.sub(u, g.mul(factor, g.add(params[k], u))));
      return [out, { count: g.add(state.count, 1) }];
    },
  };
};
