// One compiled optimizer step against the same step program in the float64 interpreter: the loss
// within 1e-5 and every parameter within 1e-5 + 1e-4·|float64| (Adam's first step moves each
// element by about lr, whatever the gradient's size: the absolute term is what it is compared against).
import assert from 'node:assert/strict';
import * as E from 'fp-ts/lib/Either.js';
import type { Program } from '../../src/dsl/index.js';
import { interpret } from '../../src/dsl/index.js';
import { names } from '../../src/optim/step.js';
import type { OptimizerState } from '../../src/train/optimizer-runner.js';

export const assertStepMatchesFloat64 = (step: Program, s0: OptimizerState, feeds: Readonly<Record<string, Float32Array>>, s1: OptimizerState, params: readonly string[]): void => {
  const out = interpret(step, {
    ...Object.fromEntries(Object.entries(s0.params).map(([k, v]) => [names.param(k), v])),
    ...Object.fromEntries(Object.entries(s0.state).map(([k, v]) => [names.state(k), v])),
    ...Object.fromEntries(Object.entries(feeds).map(([k, v]) => [names.input(k), v])),
  });
  if (E.isLeft(out)) assert.fail(String(out.left));
  const ref = out.right;
  assert.ok(Math.abs(s1.metrics!.loss - ref[names.metric('loss')][0]) < 1e-5, `loss ${s1.metrics!.loss} vs ${ref[names.metric('loss')][0]}`);
  for (const n of params) {
    const want = ref[names.param(n)];
    for (let i = 0; i < want.length; i++) {
      if (!(Math.abs(s1.params[n][i] - want[i]) <= 1e-5 + 1e-4 * Math.abs(want[i]))) assert.fail(`${n}[${i}] = ${s1.params[n][i]}, float64 ${want[i]}`);
    }
  }
};
