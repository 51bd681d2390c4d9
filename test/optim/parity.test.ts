import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as E from 'fp-ts/lib/Either.js';
import type { Transform } from '../../src/optim/index.js';
import type { Runtime } from '../../src/runtime/index.js';
import { createRuntime } from '../../src/runtime/index.js';
import type { OptimizerState, Values } from '../../src/train/optimizer-runner.js';
import { createOptimizerRunner } from '../../src/train/optimizer-runner.js';
import { maxRelError } from './reference.js';
import { CASES, SHAPES, STEPS, grads, params0, updateParams0 } from './cases.js';

// 200 steps on random parameters and gradients, compiled (f32) against float64 implementations of the
// documented algorithms: the parameters at the end, and each step's update from parameters reset before it.
// Relative error: max |got − want| over a tensor / max |want| of that tensor.
const TOL = 1e-5;
// every update is 6.5e-6 too small when 1 − b2^t is taken in f32 (b2 = 0.999): this bound catches that
const UPDATE_TOL = 2e-6;

const fixture = JSON.parse(readFileSync(new URL('./fixtures/optimizer-golden.json', import.meta.url), 'utf8')) as Record<string, Record<string, number[]>>;

/** The compiled run from p0: final parameters, and each step's Δp (p after − p before); `reset` restores p0 before every step. */
const runCompiled = async (rt: Runtime, t: Transform<any>, p0: Values, reset = false): Promise<{ params: Values; deltas: Array<Record<string, Float64Array>> }> => {
  const runner = E.getOrElseW((e: Error) => assert.fail(e.message))(createOptimizerRunner(rt, t, SHAPES));
  let s: OptimizerState = E.getOrElseW((e: Error) => assert.fail(e.message))(await runner.init(p0));
  const deltas: Array<Record<string, Float64Array>> = [];
  for (const gs of grads) {
    const before = reset ? p0 : s.params;
    s = E.getOrElseW((e: Error) => assert.fail(e.message))(await runner.step({ ...s, params: before }, gs));
    deltas.push(Object.fromEntries(Object.entries(s.params).map(([k, v]) => [k, Float64Array.from(v, (x, i) => x - before[k][i])])));
  }
  runner.destroy();
  return { params: s.params, deltas };
};

describe('optimizer parity over 200 steps', () => {
  const rts: Record<string, Runtime> = {};
  before(async () => {
    rts.cpu = await createRuntime({ backend: 'cpu' });
    rts.webasm = await createRuntime({ backend: 'webasm' });
    rts.wasm = await createRuntime({ backend: 'wasm' });
  });
  after(() => Object.values(rts).forEach((r) => r.destroy()));

  for (const c of CASES) {
    it(`${c.name}: the float64 reference reproduces its golden values`, () => {
      const want = fixture[c.name];
      const got = c.reference().params;
      assert.ok(want, `no golden values for ${c.name}; run: npx tsx test/optim/fixtures/generate.ts`);
      assert.ok(maxRelError(got, want) < 1e-12, `${c.name}: reference drifted from its golden values`);
    });
    for (const backend of ['cpu', 'webasm', 'wasm']) {
      it(`${c.name} on ${backend}: parameters after ${STEPS} steps within ${TOL}`, async () => {
        const got = await runCompiled(rts[backend], c.compiled(), params0);
        const err = maxRelError(got.params, fixture[c.name]);
        assert.ok(err <= TOL, `max relative error ${err}`);
      });
      it(`${c.name} on ${backend}: every step's update (Δp) within ${UPDATE_TOL} of the reference's Δp`, async () => {
        const got = await runCompiled(rts[backend], c.compiled(), updateParams0, true);
        const want = c.reference(updateParams0, { reset: true }).deltas;
        const worst = got.deltas.reduce((w, d, s) => { const e = maxRelError(d, want[s]); return e <= w.err ? w : { err: e, step: s + 1 }; }, { err: 0, step: 0 });
        assert.ok(worst.err <= UPDATE_TOL, `update relative error ${worst.err.toExponential(2)} at step ${worst.step}`);
      });
    }
  }
});

