// The wasm runtime's introspection and resident loops: per-kernel timing counts every dispatch of every
// kernel, traffic counts every host <-> memory copy, and call() hands back each collected output with
// every step's value, as run() does.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as E from 'fp-ts/lib/Either.js';
import * as g from '../../../src/dsl/index.js';
import { compile } from '../../../src/compiler/index.js';
import { ResidentTensor, createWasmRuntime } from '../../../src/runtime/index.js';

const right = <A>(e: E.Either<unknown, A>): A => {
  if (E.isLeft(e)) throw e.left;
  return e.right;
};
const REPORT = { requested: 'wasm', backend: 'wasm' } as const;

// s' = s * 0.5 + x (a carried state), and its row sums (a reduction: a second kernel), collected per step
const plan = compile(right(g.program({ s: [3, 4], x: [3, 4] }, ({ s, x }) => {
  const next = g.add(g.mul(s, 0.5), x);
  return { s: next, total: g.sum(g.sum(next, { axes: 1 })) };
})));
const s0 = Float32Array.from({ length: 12 }, (_, i) => i);
const xs = [1, 2, 3].map((k) => Float32Array.from({ length: 12 }, (_, i) => k * (i % 3)));
/** The oracle: the same recurrence in float64 (every value is a small dyadic rational: exact in f32). */
const oracle = () => {
  let s = Array.from(s0);
  return xs.map((x) => {
    s = s.map((v, i) => v * 0.5 + x[i]);
    return { s, total: s.reduce((a, b) => a + b, 0) };
  });
};

describe('wasm runtime: profile, traffic and collected outputs of call()', () => {
  it('profile: every kernel of the plan, called once per step; nothing without the option', async () => {
    const rt = createWasmRuntime(REPORT, { profile: true, threads: 1 });
    const exe = rt.loop(plan, { steps: 3, carry: { s: 's' }, perStep: ['x'], collect: ['total'] });
    right(await exe.run({ s: s0, x: xs }));
    const times = rt.profile();
    assert.equal(times.length, plan.kernelIR!.length);
    for (const t of times) assert.equal(t.calls, 3, t.name);
    assert.ok(times.every((t) => t.ms >= 0));
    assert.ok(times.some((t) => t.fused.some((f) => f.startsWith('reduce:'))), 'the row sums are a kernel of their own');
    rt.resetProfile();
    assert.deepEqual(rt.profile(), []);
    rt.destroy();
    const plain = createWasmRuntime(REPORT, { threads: 1 });
    right(await plain.load(plan).run({ s: s0, x: xs[0] }));
    assert.deepEqual(plain.profile(), []);
    plain.destroy();
  });

  it('profile: a product names its tiled shape; a product through a concat (not affine) and other kernels none', async () => {
    const rt = createWasmRuntime(REPORT, { profile: true, threads: 1 });
    const products = compile(right(g.program({ q: [2, 5, 6], k: [2, 7, 6], a: [5, 3], a2: [5, 4], b: [7, 9] }, ({ q, k, a, a2, b }) => ({
      scores: g.matmul(q, g.transpose(k, [0, 2, 1])),
      joined: g.sum(g.matmul(g.concat([a, a2], 1), b), { axes: 1 }),
    }))));
    const feeds = Object.fromEntries(Object.entries({ q: 60, k: 84, a: 15, a2: 20, b: 63 }).map(([n, size]) => [n, new Float32Array(size).fill(1)]));
    right(await rt.load(products).run(feeds));
    const times = rt.profile();
    const tiled = times.filter((t) => t.tiled).map((t) => t.tiled);
    assert.deepEqual(tiled, [{ batch: [2], m: 5, n: 7, k: 6 }]);
    assert.ok(times.some((t) => t.fused.includes('matmul') && !t.tiled), 'the concat product renders per element');
    rt.destroy();
  });

  it('call() returns each collected output as one resident tensor of every step, equal to run() and the oracle', async () => {
    const rt = createWasmRuntime(REPORT, { threads: 1 });
    const exe = rt.loop(plan, { steps: 3, carry: { s: 's' }, perStep: ['x'], collect: ['total'] });
    const want = oracle();
    const ran = right(await exe.run({ s: s0, x: xs }));
    const before = rt.traffic();
    const s = rt.upload(s0, [3, 4]);
    const out = right(await exe.call({ s, x: xs }, { donate: ['s'] }));
    assert.ok(out.total instanceof ResidentTensor);
    const totals = right(rt.read(out.total));
    assert.deepEqual(Array.from(totals), want.map((w) => w.total));
    assert.deepEqual(Array.from(totals), Array.from(ran.total));
    assert.deepEqual(Array.from(right(rt.read(out.s))), want[2].s);
    // in: the state once and three batches; out: the two reads above
    const after = rt.traffic();
    assert.equal(after.uploadedBytes - before.uploadedBytes, 4 * (12 + 3 * 12));
    assert.equal(after.uploads - before.uploads, 4);
    assert.equal(after.readBytes - before.readBytes, 4 * (3 + 12));
    rt.destroy();
  });
});
