import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Runtime } from '../../src/runtime/index.js';
import { createRuntime } from '../../src/runtime/index.js';
import { compiledTrajectory } from './compiled-trajectory.js';
import { maxRelError } from './reference.js';
import { CASES, SHAPES, STEPS, grads, params0, updateParams0 } from './cases.js';

// 200 steps on random parameters and gradients, compiled (f32) against float64 implementations of the
// documented algorithms: the parameters at the end, and each step's update from parameters reset before it.
// Relative error: max |got − want| over a tensor / max |want| of that tensor.
const TOL = 1e-5;
// every update is 6.5e-6 too small when 1 − b2^t is taken in f32 (b2 = 0.999): this bound catches that
const UPDATE_TOL = 2e-6;

const fixture = JSON.parse(readFileSync(new URL('./fixtures/optimizer-golden.json', import.meta.url), 'utf8')) as Record<string, Record<string, number[]>>;

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
        const got = await compiledTrajectory(rts[backend], c.compiled(), SHAPES, params0, grads);
        const err = maxRelError(got.params, fixture[c.name]);
        assert.ok(err <= TOL, `max relative error ${err}`);
      });
      it(`${c.name} on ${backend}: every step's update (Δp) within ${UPDATE_TOL} of the reference's Δp`, async () => {
        const got = await compiledTrajectory(rts[backend], c.compiled(), SHAPES, updateParams0, grads, true);
        const want = c.reference(updateParams0, { reset: true }).deltas;
        const worst = got.deltas.reduce((w, d, s) => { const e = maxRelError(d, want[s]); return e <= w.err ? w : { err: e, step: s + 1 }; }, { err: 0, step: 0 });
        assert.ok(worst.err <= UPDATE_TOL, `update relative error ${worst.err.toExponential(2)} at step ${worst.step}`);
      });
    }
  }
});

