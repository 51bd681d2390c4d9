// The webgpu backend (SwiftShader where there is no GPU) against the float64 interpreter and the
// wasm backend: random programs, reductions and draws, loops, resident tensors and donation,
// limits and device loss.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import * as g from '../../../src/dsl/index.js';
import type { Program } from '../../../src/dsl/index.js';
import { arbProgram, compiledMatchesReference, firstBitDifference, propertyParams } from '../../../props/index.js';
import { compile } from '../../../src/compiler/index.js';
import type { Runtime, WebGPURuntime } from '../../../src/runtime/index.js';
import { BufferTooLargeError, DeviceLostError, createRuntime } from '../../../src/runtime/index.js';
import { webgpuSuite } from './adapter.js';
import { callsStartedTogether } from '../concurrent-calls.js';

const right = <A>(e: E.Either<unknown, A>): A => {
  if (E.isLeft(e)) throw e.left;
  return e.right;
};
const build = (decl: Record<string, g.InputDecl>, f: (i: Record<string, g.Tensor>) => Record<string, g.Tensor>): Program => right(g.program(decl, f));
const fill = (n: number, f: (i: number) => number) => Float32Array.from({ length: n }, (_, i) => f(i));
const close = (got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string) => {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i] - want[i]) <= tol * Math.max(1, Math.abs(want[i])))) assert.fail(`${what}[${i}] = ${got[i]}, expected ${want[i]}`);
  }
};
const sameBits = (got: ArrayLike<number>, want: ArrayLike<number>, what: string) => {
  const d = firstBitDifference(got, want);
  assert.equal(d, undefined, `${what}: element ${d?.index}: ${d?.got} vs ${d?.want}`);
};

webgpuSuite('webgpu backend: results against float64 and wasm', () => {
  let rt: WebGPURuntime;
  let wasm: Runtime;
  before(async () => {
    rt = (await createRuntime({ backend: 'webgpu' })) as WebGPURuntime;
    wasm = await createRuntime({ backend: 'wasm' });
  });
  after(() => {
    rt.destroy();
    wasm.destroy();
  });

  it('createRuntime({ backend: "webgpu" }) runs graft\'s WGSL kernels and says which adapter ran', async () => {
    assert.equal(rt.report.backend, 'webgpu');
    assert.ok(rt.report.adapter && rt.report.adapter.length > 0);
    const ex = rt.load(compile(build({ x: [3] }, ({ x }) => ({ y: g.add(x, 1) }))));
    assert.deepEqual(Array.from(right(await ex.run({ x: [1, 2, 3] })).y), [2, 3, 4]);
    assert.deepEqual(ex.info(), { backend: 'webgpu', executor: 'webgpu', kernels: 1, gridKernels: 0, steps: 1, adapter: rt.report.adapter, tiledKernels: 0, treeKernels: 0 });
  });

  it('random programs over every op agree with the float64 reference', async () => {
    await fc.assert(
      fc.asyncProperty(arbProgram(), async (gp) => {
        const problem = await compiledMatchesReference(rt, gp.program, gp.feeds);
        assert.equal(problem, undefined, `${problem}\n${gp.recipe.join('\n')}`);
      }),
      propertyParams(25),
    );
  });

  const cases: Array<[string, Program, g.Feeds, number]> = [
    ['matmul, 2-D and batched', build({ a: [3, 5, 7], b: [3, 7, 4] }, ({ a, b }) => ({ y: g.matmul(a, b) })), { a: fill(105, (i) => Math.sin(i)), b: fill(84, (i) => Math.cos(i)) }, 1e-5],
    ['transcendentals, pow, comparisons, where, casts', build({ x: [1001] }, ({ x }) => ({
      y: g.where(g.gt(x, 0), g.pow(g.exp(g.neg(g.abs(x))), 1.5), g.tanh(x)),
      z: g.add(g.log(g.add(g.abs(x), 1)), g.cos(x)),
      p: g.pow(x, 3),
      q: g.pow(g.add(g.abs(x), 0.5), g.mul(x, 0.7)),
      i: g.cast(g.cast(g.mul(x, 3), 'i32'), 'f32'),
      b: g.cast(g.logicalAnd(g.lt(x, 0.5), g.ne(x, 0)), 'f32'),
    })), { x: fill(1001, (i) => (i - 500) / 97) }, 2e-5],
    ['slices, concat, gather, iota, broadcasting', build({ x: [6, 5], idx: { shape: [4], dtype: 'i32' } }, ({ x, idx }) => ({
      s: g.add(g.slice(x, [1, 2], [4, 3]), g.reshape(g.iota([3], 0, 'f32'), [3, 1])),
      c: g.concat([x, g.mul(x, 2)], 1),
      t: g.gather(x, idx, 0),
    })), { x: fill(30, (i) => i * 0.25 - 3), idx: [5, 0, 9, -2] }, 1e-6],
  ];
  for (const [label, prog, feeds, tol] of cases) {
    it(label, async () => {
      const want = right(g.interpret(prog, feeds));
      const got = right(await rt.load(compile(prog)).run(feeds));
      for (const name of Object.keys(want)) close(got[name], want[name], tol, name);
    });
  }

  it('sums and maxima (split and whole, over rows and columns): per element the IR\'s order bit for bit (the f32 interpreter; chunks of √n past 1024 terms), maxima wasm\'s; trees within 1e-4', async () => {
    const prog = build({ x: [70_000], m: [37, 11] }, ({ x, m }) => ({ s: g.sum(x), r: g.max(m, { axes: 1 }), c: g.sum(m, { axes: 0 }), q: g.sum(g.mul(x, x)) }));
    const feeds = { x: fill(70_000, (i) => Math.sin(i * 0.37)), m: fill(407, (i) => Math.sin(i * 0.7)) };
    const plan = compile(prog);
    const perElement = (await createRuntime({ backend: 'webgpu', treeReduce: false })) as WebGPURuntime;
    try {
      const a = right(await perElement.load(plan).run(feeds));
      const f32 = right(g.interpret(prog, feeds, 'f32'));
      for (const name of ['r', 'c']) sameBits(a[name], f32[name], name);
      // over 1024 terms the compiler sums chunks of ceil(√n) in order, then the chunks' sums in order (lower.ts)
      const chunked = (v: readonly number[]): number => {
        const chunk = Math.ceil(Math.sqrt(v.length));
        let total = 0;
        for (let c = 0; c * chunk < v.length; c++) total = Math.fround(total + v.slice(c * chunk, (c + 1) * chunk).reduce((acc, y) => Math.fround(acc + y), 0));
        return total;
      };
      const x = Array.from(feeds.x);
      sameBits(a.s, [chunked(x)], 's');
      sameBits(a.q, [chunked(x.map((y) => Math.fround(y * y)))], 'q');
      // wasm sums contiguous runs in four lanes (wasm/reduce-lanes.ts), another order; a max is the same in any
      sameBits(a.r, right(await wasm.load(plan).run(feeds)).r, 'r vs wasm');
      const t = right(await rt.load(plan).run(feeds));
      const f64 = right(g.interpret(prog, feeds));
      for (const name of Object.keys(t)) close(t[name], f64[name], 1e-4, name);
    } finally {
      perElement.destroy();
    }
  });

  it('uniform and Bernoulli draws (the u32 counter hash) equal wasm bit for bit at any key and offset; normal draws within 1e-5', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 2 ** 24 - 1 }), fc.integer({ min: 0, max: 2 ** 35 }), fc.integer({ min: 1, max: 3000 }), fc.double({ min: 0, max: 1, noNaN: true }), async (seed, offset, n, p) => {
        const key = g.randomKey(seed, 5);
        const prog = build({ k: { shape: [], dtype: 'i32' } }, ({ k }) => ({
          u: g.uniform(key, [n], { offset }),
          b: g.cast(g.bernoulli(k, p, [n], { offset }), 'f32'),
          z: g.normal(k, [n], { offset }),
        }));
        const plan = compile(prog);
        const [a, w] = [right(await rt.load(plan).run({ k: key })), right(await wasm.load(plan).run({ k: key }))];
        sameBits(a.u, w.u, 'uniform');
        sameBits(a.b, w.b, 'bernoulli');
        close(a.z, w.z, 1e-5, 'normal');
      }),
      propertyParams(8),
    );
  });

  it('kernels over more buffers than a shader may bind (inputs packed, outputs split) give the same values', async () => {
    const few = (await createRuntime({ backend: 'webgpu', maxStorageBuffers: 4 })) as WebGPURuntime;
    try {
      const prog = build(Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`x${i}`, [20 + i]])), (xs) => {
        const parts = Object.values(xs).map((x) => g.slice(x, [1], [17]));
        return { s: parts.reduce((a, b) => g.add(a, b)), d: g.sub(parts[0], parts[8]), m: g.mul(parts[1], parts[7]), e: g.add(parts[2], parts[6]) };
      });
      const feeds = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`x${i}`, fill(20 + i, (j) => (j * (i + 1)) % 11)]));
      const plan = compile(prog);
      assert.ok(plan.kernelIR!.some((k) => k.params.length > 4), 'a kernel needs more than 4 bindings');
      const want = right(g.interpret(prog, feeds));
      const got = right(await few.load(plan).run(feeds));
      for (const name of Object.keys(want)) assert.deepEqual(Array.from(got[name]), Array.from(want[name]), name);
    } finally {
      few.destroy();
    }
  });

  it('an index space over 65535 workgroups (a 2-D dispatch) computes every element once', async () => {
    const n = 65535 * 64 + 1000;
    const prog = build({ x: [n] }, ({ x }) => ({ y: g.add(g.mul(x, 2), g.cast(g.iota([n], 0, 'i32'), 'f32')) }));
    const y = right(await rt.load(compile(prog)).run({ x: fill(n, (i) => i % 7) })).y;
    for (let i = 0; i < n; i++) if (y[i] !== 2 * (i % 7) + Math.fround(i)) assert.fail(`y[${i}] = ${y[i]}`);
  });
});

webgpuSuite('webgpu backend: loops, resident tensors and donation', () => {
  let rt: WebGPURuntime;
  before(async () => (rt = (await createRuntime({ backend: 'webgpu' })) as WebGPURuntime));
  after(() => rt.destroy());
  const prog = build({ p: [100], g: [100] }, ({ p, g: gr }) => ({ p: g.sub(p, g.mul(gr, 0.5)), n: g.sum(g.mul(p, p)) }));

  it('carries, per-step inputs and collected outputs', async () => {
    const loopProg = build({ w: [1000], d: [1000] }, ({ w, d }) => ({ w2: g.sub(w, d), total: g.sum(w) }));
    // one encoder for all steps: buffers freed in a step take later steps' results, never their uploads
    const ex = rt.loop(compile(loopProg), { steps: 6, carry: { w: 'w2' }, perStep: ['d'], collect: ['total'] });
    for (let call = 0; call < 2; call++) {
      const out = right(await ex.run({ w: new Float32Array(1000).fill(10), d: [1, 2, 3, 4, 5, 6].map((v) => new Float32Array(1000).fill(v)) }));
      assert.ok(out.w2.every((v) => v === -11));
      assert.deepEqual(Array.from(out.total), [10000, 9000, 7000, 4000, 0, -5000]);
    }
    // on resident tensors too: the collected output is one tensor of every step's value
    const res = right(await ex.call({ w: rt.upload(new Float32Array(1000).fill(10)), d: [1, 2, 3, 4, 5, 6].map((v) => new Float32Array(1000).fill(v)) }));
    assert.deepEqual(Array.from(right(await rt.read(res.total))), [10000, 9000, 7000, 4000, 0, -5000]);
    assert.equal(right(await rt.read(res.w2))[999], -11);
  });

  it('outputs stay resident and read back; inputs that are not donated keep their values', async () => {
    const ex = rt.load(compile(prog), 'sgd step');
    const p = rt.upload(fill(100, (i) => i), [100]);
    const gr = rt.upload(new Float32Array(100).fill(2), [100]);
    const out = right(await ex.call({ p, g: gr }));
    assert.deepEqual(Array.from(right(await rt.read(out.p))), Array.from(fill(100, (i) => i - 1)));
    assert.equal(right(await rt.read(out.n))[0], 328350);
    assert.deepEqual(Array.from(right(await rt.read(p))), Array.from(fill(100, (i) => i)), 'p is unchanged');
    const again = right(await ex.call({ p: out.p, g: gr }));
    assert.equal(right(await rt.read(again.p))[0], -2);
  });

  it('calls started together: one that names a handle another call donated is refused, one that donates a handle another reads is refused', async () => {
    const ex = rt.load(compile(prog), 'sgd step');
    await callsStartedTogether(rt, ex);
  });

  it('a donated handle refuses to be read or used again, naming the step that consumed it', async () => {
    const ex = rt.load(compile(prog), 'sgd step');
    const p = rt.upload(fill(100, (i) => i), [100]);
    const gr = rt.upload(new Float32Array(100).fill(2), [100]);
    const out = right(await ex.call({ p, g: gr }, { donate: ['p'] }));
    const read = await rt.read(p);
    assert.ok(E.isLeft(read));
    assert.match(read.left.message, /donated to sgd step \(call 1\)/);
    const reuse = await ex.call({ p, g: gr });
    assert.ok(E.isLeft(reuse));
    assert.match(reuse.left.message, /input 'p' was donated to sgd step \(call 1\)/);
    assert.deepEqual(Array.from(right(await rt.read(out.p))).slice(0, 3), [-1, 0, 1]);
    const bad = await ex.call({ p: out.p, g: gr }, { donate: ['q'] });
    assert.ok(E.isLeft(bad) && /donate: 'q' is not a resident input/.test(bad.left.message));
    const wrong = await ex.call({ p: rt.upload(new Float32Array(7)), g: gr });
    assert.ok(E.isLeft(wrong) && /input 'p': a resident tensor of 7 elements, expected f32\[100\]/.test(wrong.left.message));
  });

  it('an output that is an input gets its own buffer: the input handle keeps its value', async () => {
    const ex = rt.load(compile(build({ x: [4] }, ({ x }) => ({ same: x, twice: g.mul(x, 2) }))));
    const x = rt.upload([1, 2, 3, 4]);
    const out = right(await ex.call({ x }, { donate: ['x'] }));
    assert.deepEqual(Array.from(right(await rt.read(out.same))), [1, 2, 3, 4]);
    assert.deepEqual(Array.from(right(await rt.read(out.twice))), [2, 4, 6, 8]);
  });

  it('a tensor over the storage-buffer limit is refused at load, naming it and the bytes; smaller ones run', async () => {
    const small = (await createRuntime({ backend: 'webgpu', maxBufferBytes: 4096 })) as WebGPURuntime;
    try {
      const big = compile(build({ huge: [1025], ok: [1024] }, ({ huge, ok }) => ({ y: g.add(huge, 1), z: g.add(ok, 1) })));
      assert.throws(() => small.load(big), (e: unknown) => e instanceof BufferTooLargeError && e.message.includes(`input 'huge' (f32[1025]) needs 4100 bytes, over the 4096 bytes`) && e.message.includes(`output 'y'`) && !e.message.includes(`'ok'`));
      assert.throws(() => small.upload(new Float32Array(1025)), (e: unknown) => e instanceof BufferTooLargeError && /an uploaded tensor of shape \[1025\] needs 4100 bytes/.test(e.message));
      const fits = compile(build({ ok: [1024] }, ({ ok }) => ({ z: g.add(ok, 1) })));
      assert.equal(right(await small.load(fits).run({ ok: new Float32Array(1024) })).z[1023], 1);
    } finally {
      small.destroy();
    }
  });
});

webgpuSuite('webgpu backend: a lost device', () => {
  it('every later use is a DeviceLostError naming the device, not a wrong number', async () => {
    const rt = (await createRuntime({ backend: 'webgpu' })) as WebGPURuntime;
    const ex = rt.load(compile(build({ x: [3] }, ({ x }) => ({ y: g.add(x, 1) }))));
    const kept = rt.upload([1, 2, 3]);
    // the device goes away under the runtime, as a driver reset would take it
    (rt.context as unknown as { device: GPUDevice }).device.destroy();
    await new Promise((r) => setTimeout(r, 50));
    await assert.rejects(ex.run({ x: [1, 2, 3] }), (e: unknown) => e instanceof DeviceLostError && /was lost/.test(e.message) && e.message.includes(rt.report.adapter!));
    await assert.rejects(rt.read(kept), DeviceLostError);
    rt.destroy();
  });

  it('a device error in a later call (outside the first call\'s error scopes) is reported, not a silent wrong number', async () => {
    const rt = (await createRuntime({ backend: 'webgpu' })) as WebGPURuntime;
    try {
      const ex = rt.load(compile(build({ x: [3] }, ({ x }) => ({ y: g.add(x, 1) }))));
      const x = rt.upload([1, 2, 3]);
      assert.deepEqual(Array.from(right(await rt.read(right(await ex.call({ x })).y))), [2, 3, 4]);
      // a buffer destroyed behind graft's back: the submit that uses it is invalid
      x.buffer.destroy();
      await assert.rejects(async () => {
        const out = right(await ex.call({ x }));
        await rt.read(out.y);
      }, /reported an error, so results since may be wrong: .*[Dd]estroyed/);
    } finally {
      rt.destroy();
    }
  });
});
