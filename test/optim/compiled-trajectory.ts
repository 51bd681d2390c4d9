// A compiled optimizer run from p0 over the given gradients: the final parameters and each step's Δp (p after − p
// before); `reset` restores p0 before every step, so each Δp is one update on its own.
import assert from 'node:assert/strict';
import * as E from 'fp-ts/lib/Either.js';
import type { Transform } from '../../src/optim/index.js';
import type { Runtime } from '../../src/runtime/index.js';
import type { OptimizerState, Values } from '../../src/train/optimizer-runner.js';
import { createOptimizerRunner } from '../../src/train/optimizer-runner.js';

export const compiledTrajectory = async (
  rt: Runtime,
  t: Transform<any>,
  shapes: Readonly<Record<string, readonly number[]>>,
  p0: Values,
  grads: readonly Values[],
  reset = false,
): Promise<{ params: Values; deltas: Array<Record<string, Float64Array>> }> => {
  const orFail = E.getOrElseW((e: Error) => assert.fail(e.message));
  const runner = orFail(createOptimizerRunner(rt, t, shapes));
  let s: OptimizerState = orFail(await runner.init(p0));
  const deltas: Array<Record<string, Float64Array>> = [];
  for (const gs of grads) {
    const before = reset ? p0 : s.params;
    s = orFail(await runner.step({ ...s, params: before }, gs));
    deltas.push(Object.fromEntries(Object.entries(s.params).map(([k, v]) => [k, Float64Array.from(v, (x, i) => x - before[k][i])])));
  }
  runner.destroy();
  return { params: s.params, deltas };
};
