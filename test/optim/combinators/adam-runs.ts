// Adam inside a combinator, run compiled step by step against the float64 reference: the shared scenario.
import assert from 'node:assert/strict';
import * as E from 'fp-ts/lib/Either.js';
import type { Transform } from '../../../src/optim/index.js';
import { createRuntime } from '../../../src/runtime/index.js';
import type { OptimizerState, Values } from '../../../src/train/optimizer-runner.js';
import { createOptimizerRunner } from '../../../src/train/optimizer-runner.js';
import { randomTensors } from '../reference.js';

export const SHAPES = { w: [4, 3], b: [3] };
export const HYPER = { lr: 1e-2, b1: 0.9, b2: 0.999, eps: 1e-8, wd: 0.05 };
export const params0 = randomTensors(SHAPES, 3);
export const gradsFor = (steps: number): Values[] => Array.from({ length: steps }, (_, s) => randomTensors(SHAPES, 500 + s, 0.5));

/** The parameters after each call of `t` on the cpu backend, one gradient per call. */
export const compiledRun = async (t: Transform<any>, grads: readonly Values[]): Promise<Values[]> => {
  const rt = await createRuntime({ backend: 'cpu' });
  try {
    const runner = E.getOrElseW((e: Error) => assert.fail(e.message))(createOptimizerRunner(rt, t, SHAPES));
    let s: OptimizerState = E.getOrElseW((e: Error) => assert.fail(e.message))(await runner.init(params0));
    const out: Values[] = [];
    for (const g of grads) {
      s = E.getOrElseW((e: Error) => assert.fail(e.message))(await runner.step(s, g));
      out.push(s.params);
    }
    runner.destroy();
    return out;
  } finally {
    rt.destroy();
  }
};
