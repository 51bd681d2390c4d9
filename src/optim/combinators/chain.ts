import type { Transform } from '../transform.js';
import type { StateTree } from '../tree.js';

/** Apply transforms left to right; state is a record of each one's state by position. */
export const chain = (...transforms: ReadonlyArray<Transform<any>>): Transform<Record<string, StateTree>> => ({
  init: (params) => Object.fromEntries(transforms.map((t, i) => [String(i), t.init(params)])),
  update: (updates, state, params, ctx) => {
    let u = updates;
    const next: Record<string, StateTree> = {};
    transforms.forEach((t, i) => {
      const [u2, s2] = t.update(u, state[String(i)], params, ctx);
      u = u2;
      next[String(i)] = s2;
    });
    return [u, next];
  },
});
