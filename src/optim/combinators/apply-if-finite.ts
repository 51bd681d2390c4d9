import * as g from '../../dsl/index.js';
import type { Tensor } from '../../dsl/index.js';
import type { Transform } from '../transform.js';
import type { ParamTree, StateTree } from '../tree.js';
import { flattenState, mapTree, unflattenState } from '../tree.js';

/** 1 when every element of every tensor is finite (x − x is 0 for finite x, NaN for ±Inf and NaN). */
export const allFinite = (tree: ParamTree): Tensor =>
  g.cast(g.eq(Object.values(tree).reduce<Tensor>((acc, u) => g.add(acc, g.sum(g.sub(u, u))), g.scalar(0)), 0), 'f32');

export type ApplyIfFiniteState<S extends StateTree> = { readonly inner: S; readonly skipped: Tensor; readonly skippedInARow: Tensor };

/** Skip a step whose updates hold NaN or Inf: zero updates, inner state kept, skips counted (optax's apply_if_finite). */
export const applyIfFinite = <S extends StateTree>(inner: Transform<S>): Transform<ApplyIfFiniteState<S>> => ({
  init: (params) => ({ inner: inner.init(params), skipped: g.scalar(0), skippedInARow: g.scalar(0) }),
  update: (updates, state, params, ctx) => {
    const ok = allFinite(updates);
    const okB = g.cast(ok, 'bool');
    const [u, s] = inner.update(updates, state.inner, params, ctx);
    const before = flattenState(state.inner);
    const after = flattenState(s);
    const kept = unflattenState(s, Object.fromEntries(Object.entries(after).map(([k, t]) => [k, g.where(okB, t, before[k])])));
    return [
      mapTree(u, (t) => g.where(okB, t, 0)),
      { inner: kept, skipped: g.add(state.skipped, g.sub(1, ok)), skippedInARow: g.mul(g.add(state.skippedInARow, 1), g.sub(1, ok)) },
    ];
  },
});
