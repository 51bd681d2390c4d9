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
import { CASES, SHAPES, grads, params0 } from './cases.js';

// 200 steps on random parameters and gradients, compiled (f32) against float64 implementations of the
// documented algorithms. Relative error: max |got − want| over a tensor / max |want| of that tensor.
const TOL = 1e-5;

const fixture = JSON.parse(readFileSync(new URL('./fixtures/optimizer-golden.json', import.meta.url), 'utf8')) as Record<string, Record<string, number[]>>;

const runCompiled = async (rt: Runtime, t: Transform<any>): Promise<Values> => {
  const runner = E.getOrElseW((e: Error) => assert.fail(e.message))(createOptimizerRunner(rt, t, SHAPES));
  let s: OptimizerState = E.getOrElseW((e: Error) => assert.fail(e.message))(await runner.init(params0));
  for (const gs of grads) s = E.getOrElseW((e: Error) => assert.fail(e.message))(await runner.step(s, gs));
  runner.destroy();
  return s.params;
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
      const got = c.reference();
      assert.ok(want, `no golden values for ${c.name}; run: npx tsx test/optim/fixtures/generate.ts`);
      assert.ok(maxRelError(got, want) < 1e-12, `${c.name}: reference drifted from its golden values`);
    });
    for (const backend of ['cpu', 'webasm', 'wasm']) {
      it(`${c.name} on ${backend}: max relative error <= ${TOL}`, async () => {
        const got = await runCompiled(rts[backend], c.compiled());
        const err = maxRelError(got, fixture[c.name]);
        assert.ok(err <= TOL, `max relative error ${err}`);
      });
    }
  }
});

