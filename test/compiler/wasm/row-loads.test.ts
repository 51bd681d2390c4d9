// Row reductions with four outputs in the lanes read each lane's row as v128 loads transposed 4x4 (row-loads.ts):
// the path is taken for loads along the row, and the results are the f32 interpreter's bits (same values, same
// j order) for ragged rows and outputs, any split of the outputs and 1 or 2 threads.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as E from 'fp-ts/lib/Either.js';
import * as g from '../../../src/dsl/index.js';
import { compile } from '../../../src/compiler/index.js';
import type { Plan } from '../../../src/compiler/plan.js';
import type { KNode } from '../../../src/compiler/kernel-ir/types.js';
import { KernelEmitter, renderWasm } from '../../../src/compiler/wasm/render.js';
import { rowLoads } from '../../../src/compiler/wasm/row-loads.js';
import { createWasmRuntime } from '../../../src/runtime/index.js';
import { runPlan } from './run-plan.js';
import { mixedValues } from './mixed-values.js';

const REPORT = { requested: 'wasm', backend: 'wasm' } as const;

const right = <A>(e: E.Either<unknown, A>): A => {
  if (E.isLeft(e)) throw e.left;
  return e.right;
};

/** Values of mixed sign and magnitude (so the order of a sum shows in its bits). */
const values = (n: number, seed: number): Float32Array => mixedValues(n, seed, 8);

const bits = (x: ArrayLike<number>) => new Uint32Array(Float32Array.from(x).buffer);

/** Row loads of every sum in the plan's kernels, as the wasm emitter finds them. */
const rowLoadsOf = (plan: Plan) =>
  plan.kernelIR!.flatMap((k) => {
    const e = new KernelEmitter(k);
    return k.nodes.filter((n): n is Extract<KNode, { op: 'accumulate' }> => n.op === 'accumulate' && n.fn === 'sum').flatMap((n) => rowLoads(e, n));
  });

/** The softmax-backward pattern: a row's max broadcast back over the row, exp, a product, summed per row; and a plain sum. */
const rowProgram = (heads: number, rows: number, cols: number) =>
  right(g.program({ x: [heads, rows, cols], y: [heads, rows, cols] }, ({ x, y }) => {
    const m = g.max(x, { axes: 2, keepDims: true });
    return { s: g.sum(g.mul(g.exp(g.sub(x, m)), y), { axes: 2 }), t: g.sum(g.mul(x, y), { axes: 2 }) };
  }));

// 2 x 19 = 38 rows: nine groups of four outputs and a two-output tail; rows whose length leaves 0-3 j steps after the groups of four
for (const cols of [3, 4, 7, 13, 128, 130]) {
  describe(`row reductions over ${cols} columns read rows as transposed v128 loads`, () => {
    const [heads, rows] = [2, 19];
    const x = values(heads * rows * cols, cols);
    const y = values(heads * rows * cols, cols + 1);
    const prog = rowProgram(heads, rows, cols);
    const plan = compile(prog);
    const want = right(g.interpret(prog, { x, y }, 'f32'));

    it('the sums read x and y as row loads (the max broadcast is read once per row, outside the loop)', () => {
      const loads = rowLoadsOf(plan);
      const buffers = new Set(loads.map((l) => l.buffer));
      assert.ok(buffers.has(plan.inputs.x) && buffers.has(plan.inputs.y), `row loads of buffers ${[...buffers]}`);
      const sumOfExp = plan.kernelIR!.flatMap((k) => k.nodes).find((n) => n.op === 'accumulate' && n.fn === 'sum' && n.body.some((b) => b.op === 'binary' && b.fn === 'sub'));
      assert.ok(sumOfExp && sumOfExp.op === 'accumulate');
      const maxLoads = sumOfExp.body.filter((b) => b.op === 'load' && b.buffer !== plan.inputs.x && b.buffer !== plan.inputs.y);
      assert.deepEqual(maxLoads, [], 'no load of the row max inside the loop');
    });

    for (const cuts of [[], [1], [6, 30], [1, 2, 3, 5, 37]]) {
      it(`gives the f32 interpreter's bits, outputs split at [${cuts}]`, () => {
        const out = runPlan(plan, { x, y }, cuts);
        assert.deepEqual(bits(out.s), bits(want.s), 's');
        assert.deepEqual(bits(out.t), bits(want.t), 't');
      });
    }
  });
}

// 8 x 131 rows: enough work that the runtime splits the outputs across both threads (1,048 = 262 groups of four)
describe('row reductions on worker threads', () => {
  for (const cols of [7, 130]) {
    it(`give the f32 interpreter's bits on 1 and 2 threads (${cols} columns)`, async () => {
      const prog = rowProgram(8, 131, cols);
      const feeds = { x: values(8 * 131 * cols, 5), y: values(8 * 131 * cols, 6) };
      const want = right(g.interpret(prog, feeds, 'f32'));
      for (const threads of [1, 2]) {
        const rt = createWasmRuntime(REPORT, { threads });
        try {
          const ex = rt.load(compile(prog));
          const out = right(await ex.run(feeds));
          assert.equal(ex.info()?.threads, threads);
          assert.deepEqual(bits(out.s), bits(want.s), `s, ${threads} threads`);
          assert.deepEqual(bits(out.t), bits(want.t), `t, ${threads} threads`);
        } finally {
          rt.destroy();
        }
      }
    });
  }
});
