import * as g from '../../dsl/index.js';
import type { Tensor } from '../../dsl/index.js';
import type { Transform } from '../transform.js';
import { mapTree } from '../tree.js';
import type { Schedule } from '../schedules.js';
import { constantSchedule, tensorScalar } from '../schedules.js';
import { checkHyper, nonNegative } from '../validate.js';

/** A learning rate: a number, a schedule of completed steps, or a scalar tensor (injected hyperparameter). */
export type LearningRate = number | Schedule | Tensor;

export const lrTensor = (lr: LearningRate, count: Tensor): Tensor =>
  typeof lr === 'number' ? g.scalar(lr) : 'op' in lr ? lr : lr(tensorScalar, count);

export const checkLearningRate = (op: string, lr: LearningRate) => {
  if (typeof lr === 'number') checkHyper(op, [nonNegative('lr', lr)]);
  // from JavaScript or a config anything can arrive: 'x' must not fail later, or run as NaN
  else if (typeof lr !== 'function' && !(typeof lr === 'object' && lr !== null && 'op' in lr)) {
    checkHyper(op, [`lr ${typeof lr === 'string' ? `'${lr}'` : String(lr)} must be a number >= 0, a schedule or a scalar tensor`]);
  }
};

/** u ← −lr(t)·u with t the number of completed steps (optax's scale_by_learning_rate). */
export const scaleByLearningRate = (lr: LearningRate): Transform<{ readonly count: Tensor }> => {
  checkLearningRate('scaleByLearningRate', lr);
  return {
    init: () => ({ count: g.scalar(0) }),
    update: (updates, state) => {
      const rate = lrTensor(lr, state.count);
      return [mapTree(updates, (u) => g.mul(u, g.neg(rate))), { count: g.add(state.count, 1) }];
    },
  };
};

/** u ← factor·u. */
export const scale = (factor: number): Transform<{}> => ({
  init: () => ({}),
  update: (updates) => [mapTree(updates, (u) => g.mul(u, factor)), {}],
});

export { constantSchedule };
