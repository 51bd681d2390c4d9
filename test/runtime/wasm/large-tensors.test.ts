// Tensors past 2^24 elements on the wasm backend, on 1 and 2 threads (the cases and their references:
// large-tensor-cases.ts), and tensors placed across and past byte 2^31 of memory.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as g from '../../../src/dsl/index.js';
import * as o from '../../../src/optim/index.js';
import { compile } from '../../../src/compiler/index.js';
import type { Plan } from '../../../src/compiler/index.js';
import { createWasmRuntime } from '../../../src/runtime/index.js';
import { LARGE_CASES, closeToSum, firstMismatch, right, values } from '../large-tensor-cases.js';

const REPORT = { requested: 'wasm', backend: 'wasm' } as const;
const f = Math.fround;

/**
 * The plan's outputs on a wasm runtime of `threads` threads (created and destroyed here, so only one
 * holds memory at a time); `high`: blocks of 2^30, 2^29, … 2^19 bytes (never touched, so never
 * resident) are taken first, leaving the heap's top 448 KiB below byte 2^31: the tensors then lie
 * across and past 2^31, where addresses turn negative as i32.
 */
const runOn = async (threads: number, plan: Plan, feeds: g.Feeds, high = false): Promise<Record<string, Float32Array>> => {
  const rt = createWasmRuntime(REPORT, { threads });
  try {
    if (high) for (let e = 30; e >= 19; e--) rt.heap.alloc(2 ** e, 'a filler');
    const ex = rt.load(plan);
    const out = right(await ex.run(feeds));
    assert.equal(ex.info()?.threads, threads);
    return out as Record<string, Float32Array>;
  } finally {
    rt.destroy();
  }
};

describe('tensors past 2^24 elements on wasm (1 and 2 threads)', () => {
  for (const c of LARGE_CASES) {
    it(c.name, async () => {
      const { plan, feeds, check } = c.make();
      for (const threads of [1, 2]) check(await runOn(threads, plan, feeds), `wasm, ${threads} thread${threads > 1 ? 's' : ''}`);
    });
  }

  it('tensors across and past byte 2^31 of memory (addresses negative as i32): elementwise, sums, a tiled matmul, a gather and Child-Tuning F as the references', async () => {
    const [m, k, n] = [129, 64, 1300]; // b (332,800 bytes) is placed across byte 2^31
    const transform = o.chain(o.childTuning({ mode: 'F', reserveP: 0.3, seed: 1 }), o.scale(-0.5));
    const step = right(o.buildStep(transform, { w: [1000, 52] })).step;
    const prog = right(g.program({ a: [m, k], b: [k, n], ids: { shape: [3], dtype: 'i32' }, c: [1, n] }, ({ a, b, ids, c }) => ({
      ab: g.matmul(a, b),
      y: g.add(g.mul(b, c), 1),
      rows: g.sum(b, { axes: [1] }),
      picked: g.gather(a, ids),
    })));
    const [a, b, c, p, grad] = [values(m * k, 13), values(k * n, 14), values(n, 15), values(52000, 16), values(52000, 17)];
    const ids = [5, m - 1, 0];
    const key = g.randomKey(2, 9);
    const wantStep = right(g.interpret(step, { 'p:w': p, 'g:w': grad, 'key:1': key }, 'f32'))['p:w'];
    for (const threads of [1, 2]) {
      const out = await runOn(threads, compile(prog), { a, b, ids: Float32Array.from(ids), c }, true);
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let [s, abs] = [0, 0];
          for (let q = 0; q < k; q++) (s += a[i * k + q] * b[q * n + j]), (abs += Math.abs(a[i * k + q] * b[q * n + j]));
          assert.ok(closeToSum(out.ab[i * n + j], s, abs), `ab[${i}, ${j}] = ${out.ab[i * n + j]}, want ${s}`);
        }
      }
      assert.equal(firstMismatch(out.y, (i) => f(f(b[i] * c[i % n]) + 1)), -1, 'y');
      out.rows.forEach((v, i) => {
        const row = Array.from(b.subarray(i * n, (i + 1) * n));
        assert.ok(closeToSum(v, row.reduce((x, y) => x + y, 0), row.reduce((x, y) => x + Math.abs(y), 0)), `rows[${i}]`);
      });
      assert.equal(firstMismatch(out.picked, (i) => a[ids[Math.floor(i / k)] * k + (i % k)]), -1, 'picked');
      const stepOut = (await runOn(threads, compile(step), { 'p:w': p, 'g:w': grad, 'key:1': key }, true))['p:w'];
      assert.equal(firstMismatch(stepOut, (i) => wantStep[i]), -1, `Child-Tuning F on ${threads} threads`);
    }
  });
});
