import * as g from '../../dsl/index.js';
import type { Tensor } from '../../dsl/index.js';
import { BuildError } from '../../dsl/index.js';
import type { Transform } from '../transform.js';
import type { StateTree } from '../tree.js';

export type InjectedState<S extends StateTree> = { readonly hyper: Readonly<Record<string, Tensor>>; readonly inner: S };

/**
 * Hold hyperparameters in state (optax's inject_hyperparams): `build` receives scalar tensors, so
 * a host can change lr and friends between steps by editing state, with no recompilation.
 */
export const injectHyperparams = <S extends StateTree>(build: (h: Readonly<Record<string, Tensor>>) => Transform<S>, initial: Readonly<Record<string, number>>): Transform<InjectedState<S>> => {
  const bad = Object.entries(initial).filter(([, v]) => !Number.isFinite(v)).map(([k, v]) => `${k} = ${v}`);
  if (bad.length) throw new BuildError('bad-argument', 'injectHyperparams', `hyperparameters must be finite: ${bad.join(', ')}`);
  return {
    init: (params) => {
      const hyper = Object.fromEntries(Object.entries(initial).map(([k, v]) => [k, g.scalar(v)]));
      return { hyper, inner: build(hyper).init(params) };
    },
    update: (updates, state, params, ctx) => {
      const [u, s] = build(state.hyper).update(updates, state.inner, params, ctx);
      return [u, { hyper: state.hyper, inner: s }];
    },
  };
};
