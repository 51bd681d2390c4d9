// Outputs written over donated inputs: an optimizer step's p, m and v take the blocks of the
// inputs they replace (same byte offsets, no new memory) and give the same bits as a step that
// allocates; kernels that read an input at another element, or inputs read again, keep theirs.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as E from 'fp-ts/lib/Either.js';
import * as g from '../../../src/dsl/index.js';
import type { Program } from '../../../src/dsl/index.js';
import * as o from '../../../src/optim/index.js';
import { compile } from '../../../src/compiler/index.js';
import { createWasmRuntime } from '../../../src/runtime/index.js';
import type { ResidentTensor, WasmRuntime } from '../../../src/runtime/index.js';

const right = <A>(e: E.Either<unknown, A>): A => {
  if (E.isLeft(e)) throw e.left;
  return e.right;
};
const build = (decl: Record<string, g.InputDecl>, f: (i: Record<string, g.Tensor>) => Record<string, g.Tensor>): Program => right(g.program(decl, f));
const fill = (n: number, f: (i: number) => number) => Float32Array.from({ length: n }, (_, i) => f(i));
const REPORT = { requested: 'wasm', backend: 'wasm' } as const;

for (const threads of [1, 2]) {
  describe(`in-place outputs over donated inputs (${threads} thread${threads > 1 ? 's' : ''})`, () => {
    let rt: WasmRuntime;
    before(() => (rt = createWasmRuntime(REPORT, { threads })));
    after(() => rt.destroy());

    it('an AdamW step writes p, m and v into the donated blocks, with the bits of a step that allocates', async () => {
      const n = 70001; // large enough to run on every thread, with a tail
      const steps = right(o.buildStep(o.adamw(1e-2, { weightDecay: 0.1 }), { w: [n] }));
      const plan = compile(steps.step);
      const ex = rt.load(plan, 'adamw step');
      const p0 = fill(n, (i) => Math.sin(i));
      const state0 = right(g.interpret(steps.init!, { 'p:w': p0 }));
      const host: Record<string, Float32Array> = { 'p:w': p0, 'g:w': fill(n, (i) => Math.cos(i * 0.3)), ...Object.fromEntries(Object.entries(state0).map(([k, v]) => [k, Float32Array.from(v)])) };
      const upload = () => Object.fromEntries(Object.entries(host).map(([k, v]) => [k, rt.upload(v, plan.inputSpecs.find((s) => s.name === k)!.shape)]));
      const state = ['p:w', ...steps.state.map((s) => `s:${s}`)];
      const kept = right(await ex.call(upload()));
      const given = upload();
      const inUse = rt.heap.inUse;
      const out = right(await ex.call(given, { donate: state }));
      const vectors = state.filter((k) => given[k].size === n);
      assert.deepEqual(vectors, ['p:w', 's:0/mu/w', 's:0/nu/w']);
      for (const k of vectors) {
        assert.equal(out[k].addr, given[k].addr, `${k}: written where the donated input was`);
        assert.deepEqual(Array.from(right(rt.read(out[k]))), Array.from(right(rt.read(kept[k]))), `${k}: same bits`);
      }
      assert.equal(rt.heap.inUse, inUse, 'no new memory: the outputs took the donated blocks');
      const read = rt.read(given['p:w']);
      assert.ok(E.isLeft(read) && /donated to adamw step \(call 2\)/.test(read.left.message), 'a donated handle refuses reads, naming the step');
      // the next step over the outputs, donated again, stays in the same blocks
      const next = right(await ex.call({ ...out, 'g:w': rt.upload(host['g:w']) }, { donate: state }));
      assert.equal(next['p:w'].addr, given['p:w'].addr);
    });

    it('an input read at another element, or by another kernel, keeps its block (results match the interpreter)', async () => {
      const n = 4099;
      // y[i] = x[i - 1]: written in place it would read elements already overwritten
      const roll = build({ x: [n] }, ({ x }) => ({ y: g.add(g.concat([g.slice(x, [n - 1], [n]), g.slice(x, [0], [n - 1])]), 1) }));
      // x is read by the elementwise kernel and by the sum
      const twice = build({ x: [n] }, ({ x }) => ({ y: g.mul(x, 2), s: g.sum(g.mul(x, x)) }));
      const x0 = fill(n, (i) => (i % 17) - 8);
      for (const prog of [roll, twice]) {
        const x = rt.upload(x0);
        const out = right(await rt.load(compile(prog), 'step').call({ x }, { donate: ['x'] }));
        assert.notEqual(out.y.addr, x.addr);
        const want = right(g.interpret(prog, { x: x0 }));
        for (const k of Object.keys(want)) assert.deepEqual(Array.from(right(rt.read(out[k]))), Array.from(want[k]), k);
      }
    });

    it('in a loop, an input every step reads again keeps its block until the last step', async () => {
      const n = 4099;
      // y = roll(x) + c, carried into x: y may only take c's block, which the next step reads again
      const prog = build({ x: [n], c: [n] }, ({ x, c }) => ({ y: g.add(g.concat([g.slice(x, [n - 1], [n]), g.slice(x, [0], [n - 1])]), c) }));
      const feeds = { x: fill(n, (i) => i % 5), c: fill(n, (i) => (i % 3) - 1) };
      const got = right(await rt.loop(compile(prog), { steps: 3, carry: { x: 'y' } }).run(feeds));
      let want: Record<string, ArrayLike<number>> = feeds;
      for (let s = 0; s < 3; s++) want = { ...feeds, x: right(g.interpret(prog, want)).y };
      assert.deepEqual(Array.from(got.y), Array.from(want.x));
      const c = rt.upload(feeds.c);
      const x: ResidentTensor = rt.upload(feeds.x);
      const once = right(await rt.loop(compile(prog), { steps: 3, carry: { x: 'y' } }).call({ x, c }, { donate: ['x', 'c'] }));
      assert.deepEqual(Array.from(right(rt.read(once.y))), Array.from(want.x));
      assert.equal(once.y.addr, c.addr, 'the last step took c');
    });
  });
}
