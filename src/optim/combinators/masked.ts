import type { Transform } from '../transform.js';
import type { StateTree } from '../tree.js';
import type { NameSelector } from './select.js';
import { pick, selects } from './select.js';

/** Apply `inner` only to the selected parameters; the others' updates pass through unchanged (optax's masked). */
export const masked = <S extends StateTree>(inner: Transform<S>, selector: NameSelector): Transform<S> => {
  const chosen = (names: readonly string[]) => names.filter(selects(selector));
  return {
    init: (params) => inner.init(pick(params, chosen(Object.keys(params)))),
    update: (updates, state, params, ctx) => {
      const names = chosen(Object.keys(updates));
      const [u, s] = inner.update(pick(updates, names), state, pick(params, names), ctx);
      return [{ ...updates, ...u }, s];
    },
  };
};
