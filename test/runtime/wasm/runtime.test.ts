// The wasm backend against the float64 interpreter, its loops, resident tensors, donation and
// memory limits.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as E from 'fp-ts/lib/Either.js';
import * as g from '../../../src/dsl/index.js';
import type { Program } from '../../../src/dsl/index.js';
import * as o from '../../../src/optim/index.js';
import { compile } from '../../../src/compiler/index.js';
import { OutOfMemoryError, createRuntime, createWasmRuntime, describeExecution } from '../../../src/runtime/index.js';
import { relaxedSimdProbe } from '../../../src/compiler/wasm/probe.js';
import type { WasmRuntime } from '../../../src/runtime/index.js';
import { threadCount } from '../../../src/runtime/wasm/runtime.js';
import { callsStartedTogether } from '../concurrent-calls.js';

const right = <A>(e: E.Either<unknown, A>): A => {
  if (E.isLeft(e)) throw e.left;
  return e.right;
};
const build = (decl: Record<string, g.InputDecl>, f: (i: Record<string, g.Tensor>) => Record<string, g.Tensor>): Program => right(g.program(decl, f));
const REPORT = { requested: 'wasm', backend: 'wasm' } as const;

const close = (got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string) => {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i] - want[i]) <= tol * Math.max(1, Math.abs(want[i])))) assert.fail(`${what}[${i}] = ${got[i]}, expected ${want[i]}`);
  }
};

const fill = (n: number, f: (i: number) => number) => Float32Array.from({ length: n }, (_, i) => f(i));

describe('wasm backend: results against the float64 interpreter', () => {
  let rt: WasmRuntime;
  before(() => (rt = createWasmRuntime(REPORT)));
  after(() => rt.destroy());

  const cases: Array<[string, Program, g.Feeds, number]> = [
    // k = 1: the product does not depend on the loop counter (once rendered as a uniform value)
    ['a matmul with an inner dimension of 1', build({ x: [2, 1] }, ({ x }) => ({ y: g.matmul(x, g.transpose(x, [1, 0])) })), { x: [-0.609375, 0.078125] }, 1e-6],
    ['matmul, 2-D and batched', build({ a: [3, 5, 7], b: [3, 7, 4] }, ({ a, b }) => ({ y: g.matmul(a, b) })), { a: fill(105, (i) => Math.sin(i)), b: fill(84, (i) => Math.cos(i)) }, 1e-5],
    ['a split sum over 5000 elements and a row max (reductions)', build({ x: [5000], m: [37, 11] }, ({ x, m }) => ({ s: g.sum(x), r: g.max(m, { axes: 1 }), c: g.sum(m, { axes: 0 }) })), { x: fill(5000, (i) => (i % 13) - 6), m: fill(407, (i) => Math.sin(i * 0.7)) }, 1e-5],
    ['transcendentals, pow, comparisons, where, casts over 1001 elements', build({ x: [1001] }, ({ x }) => ({
      y: g.where(g.gt(x, 0), g.pow(g.exp(g.neg(g.abs(x))), 1.5), g.tanh(x)),
      z: g.add(g.log(g.add(g.abs(x), 1)), g.cos(x)),
      i: g.cast(g.cast(g.mul(x, 3), 'i32'), 'f32'),
      b: g.cast(g.logicalAnd(g.lt(x, 0.5), g.ne(x, 0)), 'f32'),
    })), { x: fill(1001, (i) => (i - 500) / 97) }, 1e-5],
    ['slices, concat, gather, iota, broadcasting', build({ x: [6, 5], idx: { shape: [4], dtype: 'i32' } }, ({ x, idx }) => ({
      s: g.add(g.slice(x, [1, 2], [4, 3]), g.reshape(g.iota([3], 0, 'f32'), [3, 1])),
      c: g.concat([x, g.mul(x, 2)], 1),
      t: g.gather(x, idx, 0),
      e: g.mul(x, g.reshape(g.sum(x, { axes: 1 }), [6, 1])),
    })), { x: fill(30, (i) => i * 0.25 - 3), idx: [5, 0, 9, -2] }, 1e-5],
  ];
  for (const [label, prog, feeds, tol] of cases) {
    it(label, async () => {
      const want = right(g.interpret(prog, feeds));
      const got = right(await rt.load(compile(prog)).run(feeds));
      for (const name of Object.keys(want)) close(got[name], want[name], tol, name);
    });
  }

  it('uniform and Bernoulli draws are bit-identical to the interpreter at any offset; normal draws within 1e-5', async () => {
    const key = g.randomKey(7, 3);
    const prog = build({ k: { shape: [], dtype: 'i32' } }, ({ k }) => ({
      u: g.uniform(key, [1037], { offset: 2 ** 30 + 5 }),
      b: g.cast(g.bernoulli(k, 0.3, [1037]), 'f32'),
      n: g.normal(key, [1037]),
    }));
    const feeds = { k: key };
    const want = right(g.interpret(prog, feeds));
    const got = right(await rt.load(compile(prog)).run(feeds));
    assert.deepEqual(Array.from(got.u), Array.from(want.u, Math.fround));
    assert.deepEqual(Array.from(got.b), Array.from(want.b));
    close(got.n, want.n, 1e-5, 'normal');
  });
});

describe('wasm backend: loops', () => {
  let rt: WasmRuntime;
  before(() => (rt = createWasmRuntime(REPORT)));
  after(() => rt.destroy());

  it('carries, per-step inputs and collected outputs, with memory back to where it was after the call', async () => {
    const prog = build({ w: [1000], d: [1000] }, ({ w, d }) => ({ w2: g.sub(w, d), total: g.sum(w) }));
    const plan = compile(prog);
    const ex = rt.loop(plan, { steps: 3, carry: { w: 'w2' }, perStep: ['d'], collect: ['total'] });
    const inUse = rt.heap.inUse;
    const out = right(await ex.run({ w: new Float32Array(1000).fill(10), d: [1, 2, 3].map((v) => new Float32Array(1000).fill(v)) }));
    assert.ok(out.w2.every((v) => v === 4));
    assert.deepEqual(Array.from(out.total), [10000, 9000, 7000]);
    assert.equal(rt.heap.inUse, inUse, 'every block of the call is freed');
    // the update and the sum run over different index spaces: two kernels
    const relaxedSimd = WebAssembly.validate(relaxedSimdProbe());
    assert.deepEqual(ex.info(), { backend: 'wasm', executor: 'wasm', kernels: 2, gridKernels: 0, steps: 3, threads: threadCount(undefined), relaxedSimd, fma: false, tiledKernels: 0 });
  });

  it('the execution report says backend, threads and relaxed-simd on or off', async () => {
    const two = createWasmRuntime(REPORT, { threads: 2 });
    try {
      const ex = two.load(compile(build({ x: [4] }, ({ x }) => ({ y: g.mul(x, 2) }))));
      right(await ex.run({ x: [1, 2, 3, 4] }));
      const on = WebAssembly.validate(relaxedSimdProbe()) ? 'on' : 'off';
      assert.equal(describeExecution(ex.info()!), `wasm/wasm (2 threads, relaxed-simd ${on})`);
    } finally {
      two.destroy();
    }
  });

  it('an AdamW step: k steps per call equal k calls of one step, bit for bit, and match the float64 step', async () => {
    const shapes = { w: [1003] };
    const steps = right(o.buildStep(o.adamw(1e-2, { weightDecay: 0.1 }), shapes));
    const plan = compile(steps.step);
    const state0 = right(g.interpret(steps.init!, { 'p:w': fill(1003, (i) => Math.sin(i)) }));
    const feeds = { 'p:w': fill(1003, (i) => Math.sin(i)), 'g:w': fill(1003, (i) => Math.cos(i * 0.3)), ...Object.fromEntries(Object.entries(state0).map(([k, v]) => [k, Float32Array.from(v)])) };
    const carry = { 'p:w': 'p:w', ...Object.fromEntries(steps.state.map((s) => [`s:${s}`, `s:${s}`])) };
    const many = right(await rt.loop(plan, { steps: 4, carry }).run(feeds));
    const one = rt.load(plan);
    let cur: Record<string, ArrayLike<number>> = feeds;
    let ref: Record<string, ArrayLike<number>> = feeds;
    for (let s = 0; s < 4; s++) {
      const next = right(await one.run(cur));
      const nextRef = right(g.interpret(steps.step, ref));
      cur = { ...cur, ...Object.fromEntries(Object.keys(carry).map((k) => [k, next[carry[k as keyof typeof carry]]])) };
      ref = { ...ref, ...Object.fromEntries(Object.keys(carry).map((k) => [k, nextRef[carry[k as keyof typeof carry]]])) };
    }
    for (const k of Object.keys(carry)) {
      assert.deepEqual(Array.from(many[k]), Array.from(cur[k]), `${k}: 4 steps per call vs 4 calls`);
      close(many[k], ref[k], 1e-5, k);
    }
  });
});

describe('wasm backend: resident tensors and donation', () => {
  let rt: WasmRuntime;
  before(() => (rt = createWasmRuntime(REPORT)));
  after(() => rt.destroy());
  const prog = build({ p: [100], g: [100] }, ({ p, g: gr }) => ({ p: g.sub(p, g.mul(gr, 0.5)), n: g.sum(g.mul(p, p)) }));

  it('outputs stay resident and read back; inputs that are not donated keep their values', async () => {
    const ex = rt.load(compile(prog), 'sgd step');
    const p = rt.upload(fill(100, (i) => i), [100]);
    const gr = rt.upload(new Float32Array(100).fill(2), [100]);
    const out = right(await ex.call({ p, g: gr }));
    assert.deepEqual(Array.from(right(rt.read(out.p))), Array.from(fill(100, (i) => i - 1)));
    assert.equal(right(rt.read(out.n))[0], 328350);
    assert.deepEqual(Array.from(right(rt.read(p))), Array.from(fill(100, (i) => i)), 'p is unchanged');
    const again = right(await ex.call({ p: out.p, g: gr }));
    assert.equal(right(rt.read(again.p))[0], -2);
  });

  it('calls started together: one that names a handle another call donated is refused, one that donates a handle another reads is refused', async () => {
    const ex = rt.load(compile(prog), 'sgd step');
    const inUse = rt.heap.inUse;
    await callsStartedTogether(rt, ex);
    assert.equal(rt.heap.inUse, inUse, 'every block of both calls went back, the donated one too');
  });

  it('a donated handle refuses to be read or used again, naming the step that consumed it', async () => {
    const ex = rt.load(compile(prog), 'sgd step');
    const p = rt.upload(fill(100, (i) => i), [100]);
    const gr = rt.upload(new Float32Array(100).fill(2), [100]);
    const inUse = rt.heap.inUse;
    const out = right(await ex.call({ p, g: gr }, { donate: ['p'] }));
    // p's block (100 floats: the 512-byte class) went back; the outputs took 512 and 64 bytes
    assert.equal(rt.heap.inUse, inUse + 64, 'the donated block is freed');
    const read = rt.read(p);
    assert.ok(E.isLeft(read));
    assert.match(read.left.message, /donated to sgd step \(call 1\)/);
    const reuse = await ex.call({ p, g: gr });
    assert.ok(E.isLeft(reuse));
    assert.match(reuse.left.message, /input 'p' was donated to sgd step \(call 1\)/);
    assert.deepEqual(Array.from(right(rt.read(out.p))).slice(0, 3), [-1, 0, 1]);
    const bad = await ex.call({ p: out.p, g: gr }, { donate: ['q'] });
    assert.ok(E.isLeft(bad) && /donate: 'q' is not a resident input/.test(bad.left.message));
  });

  it('a resident tensor of the wrong size is refused, naming the input and the shape expected', async () => {
    const ex = rt.load(compile(prog), 'sgd step');
    const res = await ex.call({ p: rt.upload(new Float32Array(7)), g: rt.upload(new Float32Array(100)) });
    assert.ok(E.isLeft(res));
    assert.match(res.left.message, /input 'p': a resident tensor of 7 elements, expected f32\[100\]/);
    const missing = await ex.call({ p: rt.upload(new Float32Array(100)) });
    assert.ok(E.isLeft(missing));
    assert.match(missing.left.message, /input 'g': missing \(expected f32\[100\]\)/);
  });
});

describe('wasm backend: memory limits and selection', () => {
  it('memory that cannot grow is an error naming the tensor and the bytes asked', async () => {
    const rt = createWasmRuntime(REPORT, { maxMemoryBytes: 1 << 20 });
    assert.throws(() => rt.upload(new Float32Array(300_000), [300_000]), (e: unknown) => e instanceof OutOfMemoryError && /cannot allocate 1200000 bytes for an uploaded tensor of shape \[300000\]/.test(e.message));
    const prog = build({ x: [200_000] }, ({ x }) => ({ y: g.exp(x) }));
    const ex = rt.load(compile(prog));
    await assert.rejects(ex.run({ x: new Float32Array(200_000) }), (e: unknown) => e instanceof OutOfMemoryError && /800000 bytes for (input 'x'|buffer \d+ \(output)/.test(e.message));
    rt.destroy();
  });

  it('a plan whose kernel IR lowering failed is refused with the reason, not run', () => {
    const rt = createWasmRuntime(REPORT, { threads: 1 });
    const { kernelIR: _, ...plan } = compile(build({ x: [5] }, ({ x }) => ({ y: g.mul(x, 2) })));
    assert.throws(() => rt.load({ ...plan, kernelIRError: 'internal: an example' }), /wasm: this plan has no kernel IR, so the wasm backend cannot run it \(internal: an example\)/);
    rt.destroy();
  });

  it('createRuntime({ backend: "wasm" }) and GRAFT_BACKEND=wasm give the wasm backend', async () => {
    const saved = process.env.GRAFT_BACKEND;
    process.env.GRAFT_BACKEND = 'wasm';
    try {
      const rt = await createRuntime();
      assert.deepEqual(rt.report, { requested: 'wasm', backend: 'wasm' });
      const out = right(await rt.load(compile(build({ x: [5] }, ({ x }) => ({ y: g.mul(x, 2) })))).run({ x: [1, 2, 3, 4, 5] }));
      assert.deepEqual(Array.from(out.y), [2, 4, 6, 8, 10]);
      rt.destroy();
    } finally {
      if (saved === undefined) delete process.env.GRAFT_BACKEND;
      else process.env.GRAFT_BACKEND = saved;
    }
  });
});
