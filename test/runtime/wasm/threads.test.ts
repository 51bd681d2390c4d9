// Worker threads: results are bit-identical for any thread count (static splits of independent
// elements), the report says how many ran, and GRAFT_THREADS is checked.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as E from 'fp-ts/lib/Either.js';
import * as g from '../../../src/dsl/index.js';
import * as o from '../../../src/optim/index.js';
import { compile } from '../../../src/compiler/index.js';
import { createWasmRuntime } from '../../../src/runtime/index.js';
import { THREADS_ENV } from '../../../src/runtime/wasm/runtime.js';

const right = <A>(e: E.Either<unknown, A>): A => {
  if (E.isLeft(e)) throw e.left;
  return e.right;
};
const REPORT = { requested: 'wasm', backend: 'wasm' } as const;

describe('wasm threads', () => {
  it('a Child-Tuning F step, a split sum and a matmul give the same bits on 1, 2 and 3 threads', async () => {
    const n = 2 ** 18 + 3; // a tail that no split lands on a multiple of four
    const steps = right(o.buildStep(o.childTuningAdamW(1e-3, { mode: 'F', reserveP: 0.3, seed: 1, weightDecay: 0.01 }), { w: [n] }));
    const init = right(g.interpret(steps.init!, { 'p:w': new Float32Array(n) }));
    const extra = right(g.program({ x: [n], a: [256, 300], b: [300, 200] }, ({ x, a, b }) => ({ s: g.sum(x), m: g.matmul(a, b) })));
    const cases: Array<{ plan: ReturnType<typeof compile>; feeds: g.Feeds }> = [
      { plan: compile(steps.step), feeds: { 'p:w': Float32Array.from({ length: n }, (_, i) => Math.sin(i)), 'g:w': Float32Array.from({ length: n }, (_, i) => Math.cos(i)), ...Object.fromEntries(Object.entries(init).map(([k, v]) => [k, Float32Array.from(v)])), 'key:1': g.randomKey(1, 4) } },
      { plan: compile(extra), feeds: { x: Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.1)), a: Float32Array.from({ length: 76800 }, (_, i) => Math.sin(i)), b: Float32Array.from({ length: 60000 }, (_, i) => Math.cos(i)) } },
    ];
    for (const { plan, feeds } of cases) {
      const results = [];
      for (const threads of [1, 2, 3]) {
        const rt = createWasmRuntime(REPORT, { threads });
        const ex = rt.load(plan);
        results.push(right(await ex.run(feeds)));
        assert.equal(ex.info()?.threads, threads);
        rt.destroy();
      }
      for (const name of Object.keys(results[0])) {
        for (const r of results.slice(1)) assert.ok(results[0][name].every((v, i) => Object.is(v, r[name][i])), `${name}: same bits`);
      }
    }
  });

  it('a loop of steps with carries, per-step keys and a collected sum gives the same bits on 1 and 2 threads', async () => {
    const n = 2 ** 18 + 1;
    const prog = right(g.program({ w: [n], k: { shape: [], dtype: 'i32' } }, ({ w, k }) => {
      const w2 = g.add(g.mul(w, 0.5), g.uniform(k, [n]));
      return { w2, s: g.sum(w2) };
    }));
    const plan = compile(prog);
    const results: Record<string, Float32Array>[] = [];
    for (const threads of [1, 2]) {
      const rt = createWasmRuntime(REPORT, { threads });
      const ex = rt.loop(plan, { steps: 3, carry: { w: 'w2' }, perStep: ['k'], collect: ['s'] });
      results.push(right(await ex.run({ w: new Float32Array(n).fill(1), k: [1, 2, 3].map((s) => g.randomKey(9, s)) })));
      rt.destroy();
    }
    assert.ok(results[0].w2.every((v, i) => Object.is(v, results[1].w2[i])));
    assert.deepEqual(Array.from(results[0].s), Array.from(results[1].s));
    assert.equal(results[0].s.length, 3);
  });

  it('a destroyed runtime refuses new plans instead of waiting for its workers', () => {
    const rt = createWasmRuntime(REPORT, { threads: 2 });
    rt.destroy();
    const plan = compile(right(g.program({ x: [4] }, ({ x }) => ({ y: g.neg(x) }))));
    assert.throws(() => rt.load(plan), /this runtime was destroyed/);
  });

  it(`$${THREADS_ENV} sets the count; a bad value is an error naming the variable; the option overrides it`, () => {
    const saved = process.env[THREADS_ENV];
    try {
      process.env[THREADS_ENV] = '3';
      const rt = createWasmRuntime(REPORT);
      rt.destroy();
      for (const bad of ['0', 'two', '1.5']) {
        process.env[THREADS_ENV] = bad;
        assert.throws(() => createWasmRuntime(REPORT), new RegExp(`\\$GRAFT_THREADS: '${bad.replace('.', '\\.')}' is not a thread count`));
        createWasmRuntime(REPORT, { threads: 1 }).destroy();
      }
    } finally {
      if (saved === undefined) delete process.env[THREADS_ENV];
      else process.env[THREADS_ENV] = saved;
    }
  });
});
