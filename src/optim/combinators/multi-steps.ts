import * as g from '../../dsl/index.js';
import type { Tensor } from '../../dsl/index.js';
import { BuildError } from '../../dsl/index.js';
import type { Transform } from '../transform.js';
import type { ParamTree, StateTree } from '../tree.js';
import { flattenState, mapTree, unflattenState } from '../tree.js';

export type MultiStepsState<S extends StateTree> = { readonly mini: Tensor; readonly acc: ParamTree; readonly inner: S };

/**
 * Gradient accumulation (optax's MultiSteps): average k gradients, apply `inner` on every k-th call,
 * and return zero updates (inner state untouched) on the others.
 */
export const multiSteps = <S extends StateTree>(inner: Transform<S>, every: number): Transform<MultiStepsState<S>> => {
  if (!(Number.isInteger(every) && every >= 1)) throw new BuildError('bad-argument', 'multiSteps', `every ${every} must be a whole number >= 1`);
  return {
    init: (params) => ({ mini: g.scalar(0), acc: mapTree(params, (p) => g.zeros(p.shape)), inner: inner.init(params) }),
    update: (updates, state, params, ctx) => {
      const acc = mapTree(updates, (u, k) => g.add(state.acc[k], u));
      const emit = g.eq(g.add(state.mini, 1), every);
      const [u, s] = inner.update(mapTree(acc, (a) => g.div(a, every)), state.inner, params, ctx);
      const before = flattenState(state.inner);
      const kept = unflattenState(s, Object.fromEntries(Object.entries(flattenState(s)).map(([k, t]) => [k, g.where(emit, t, before[k])])));
      return [
        mapTree(u, (t) => g.where(emit, t, 0)),
        { mini: g.where(emit, 0, g.add(state.mini, 1)), acc: mapTree(acc, (a) => g.where(emit, 0, a)), inner: kept },
      ];
    },
  };
};
