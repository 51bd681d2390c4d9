// Optimizer laws users can run against their own transforms on a runtime of their choice.
import * as E from 'fp-ts/lib/Either.js';
import type { Shape } from '../src/dsl/index.js';
import type { Transform } from '../src/optim/index.js';
import type { Runtime } from '../src/runtime/index.js';
import type { OptimizerState, Values } from '../src/train/optimizer-runner.js';
import { createOptimizerRunner } from '../src/train/optimizer-runner.js';

const orThrow = <A>(e: E.Either<Error, A>): A => {
  if (E.isLeft(e)) throw e.left;
  return e.right;
};

/** Run `transform` from `params` for one step per gradient set; every intermediate state, first to last. */
export const trajectory = async (rt: Runtime, transform: Transform<any>, shapes: Readonly<Record<string, Shape>>, params: Values, grads: readonly Values[]): Promise<OptimizerState[]> => {
  const runner = orThrow(createOptimizerRunner(rt, transform, shapes));
  try {
    const states = [orThrow(await runner.init(params))];
    for (const gs of grads) states.push(orThrow(await runner.step(states[states.length - 1], gs)));
    return states;
  } finally {
    runner.destroy();
  }
};

/** Law: two transforms give bit-identical parameters and state along the same trajectory. */
export const sameTrajectory = async (rt: Runtime, a: Transform<any>, b: Transform<any>, shapes: Readonly<Record<string, Shape>>, params: Values, grads: readonly Values[], compareState = true): Promise<string | undefined> => {
  const [ta, tb] = [await trajectory(rt, a, shapes, params, grads), await trajectory(rt, b, shapes, params, grads)];
  for (let s = 0; s < ta.length; s++) {
    for (const [k, v] of Object.entries(ta[s].params)) {
      const i = v.findIndex((x, j) => !Object.is(x, tb[s].params[k][j]));
      if (i >= 0) return `step ${s}: '${k}'[${i}] ${v[i]} vs ${tb[s].params[k][i]}`;
    }
    if (compareState) {
      const sa = Object.values(ta[s].state);
      const sb = Object.values(tb[s].state);
      if (sa.length !== sb.length || sa.some((x, i) => x.some((y, j) => !Object.is(y, sb[i][j])))) return `step ${s}: states differ`;
    }
  }
  return undefined;
};
