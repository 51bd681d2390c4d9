// A plan carries its wasm modules: read back from JSON it runs with the same bits and renders
// nothing; each distinct module is compiled once per runtime.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as E from 'fp-ts/lib/Either.js';
import * as g from '../../../src/dsl/index.js';
import * as o from '../../../src/optim/index.js';
import { compile } from '../../../src/compiler/index.js';
import type { Plan } from '../../../src/compiler/index.js';
import { createWasmRuntime } from '../../../src/runtime/index.js';
import type { WasmRuntime } from '../../../src/runtime/index.js';

const right = <A>(e: E.Either<unknown, A>): A => {
  if (E.isLeft(e)) throw e.left;
  return e.right;
};
const fill = (n: number, f: (i: number) => number) => Float32Array.from({ length: n }, (_, i) => f(i));
const REPORT = { requested: 'wasm', backend: 'wasm' } as const;

describe('wasm modules stored with the plan', () => {
  let rt: WasmRuntime;
  before(() => (rt = createWasmRuntime(REPORT, { threads: 1 })));
  after(() => rt.destroy());
  // a Child-Tuning F AdamW step: a counter-hash mask, moments, decay and update in one kernel
  const steps = right(o.buildStep(o.childTuningAdamW(1e-2, { weightDecay: 0.1, mode: 'F', reserveP: 0.3, seed: 7 }), { w: [1003] }));
  const p0 = fill(1003, (i) => Math.sin(i));
  const state0 = right(g.interpret(steps.init!, { 'p:w': p0 }));
  const feeds = { 'key:7': g.randomKey(7, 3), 'p:w': p0, 'g:w': fill(1003, (i) => Math.cos(i * 0.3)), ...Object.fromEntries(Object.entries(state0).map(([k, v]) => [k, Float32Array.from(v)])) };

  it('a plan serialised to JSON and back runs with identical results and renders nothing', async () => {
    const plan = compile(steps.step);
    const back: Plan = JSON.parse(JSON.stringify(plan));
    assert.deepEqual(back.wasm, plan.wasm, 'the modules survive JSON');
    const original = rt.load(plan);
    const restored = rt.load(back);
    assert.equal(restored.loaded.rendered, 0, 'nothing rendered');
    const a = right(await original.run(feeds));
    const b = right(await restored.run(feeds));
    const want = right(g.interpret(steps.step, feeds));
    for (const k of Object.keys(want)) {
      assert.deepEqual(Array.from(b[k]), Array.from(a[k]), `${k}: same bits`);
      for (let i = 0; i < want[k].length; i++) assert.ok(Math.abs(b[k][i] - want[k][i]) <= 1e-5 * Math.max(1, Math.abs(want[k][i])), `${k}[${i}] = ${b[k][i]}, expected ${want[k][i]}`);
    }
  });

  it('each distinct module is compiled once per runtime; a plan without stored modules is rendered at load', () => {
    const plan = compile(steps.step);
    const n = plan.kernelIR!.length;
    const fresh = createWasmRuntime(REPORT, { threads: 1 });
    try {
      assert.deepEqual(fresh.load(plan).loaded, { rendered: 0, compiled: n, reused: 0 });
      assert.deepEqual(fresh.load(JSON.parse(JSON.stringify(plan))).loaded, { rendered: 0, compiled: 0, reused: n });
      const { wasm: _, ...bare } = plan;
      assert.deepEqual(fresh.load(bare).loaded, { rendered: n, compiled: 0, reused: n });
    } finally {
      fresh.destroy();
    }
  });

  it('stored modules that do not belong to the kernel IR are refused, naming the kernel', () => {
    const plan = compile(steps.step);
    const other = compile(right(g.program({ x: [5] }, ({ x }) => ({ y: g.mul(x, 2) }))));
    assert.throws(() => rt.load({ ...plan, wasm: other.wasm }), /stored wasm modules: 1 modules for \d+ kernels|does not match kernel/);
    const renamed = { ...plan, wasm: { ...plan.wasm!, modules: plan.wasm!.modules.map((m) => ({ ...m, name: 'x' })) } };
    assert.throws(() => rt.load(renamed), /stored wasm module 0 \(x\) does not match kernel k\d+/);
  });
});
