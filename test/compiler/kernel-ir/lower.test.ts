// Split reductions are chunk-major: element x reduces chunk x / outputs of output x mod outputs, so four
// neighbouring elements of a column sum read four neighbouring columns (one v128 load on wasm). The bits are
// those of summing each chunk in order, then the chunks in order, on wasm (1 and 2 threads) and gpu.js.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as E from 'fp-ts/lib/Either.js';
import * as g from '../../../src/dsl/index.js';
import { compile } from '../../../src/compiler/index.js';
import { reduceSplit } from '../../../src/compiler/lower.js';
import { allNodes } from '../../../src/compiler/kernel-ir/types.js';
import { KernelEmitter } from '../../../src/compiler/wasm/render.js';
import { createRuntime, createWasmRuntime } from '../../../src/runtime/index.js';

const REPORT = { requested: 'wasm', backend: 'wasm' } as const;
const f = Math.fround;

const right = <A>(e: E.Either<unknown, A>): A => {
  if (E.isLeft(e)) throw e.left;
  return e.right;
};

const bits = (x: ArrayLike<number>) => new Uint32Array(Float32Array.from(x).buffer);

/** Column sums of x [rows, cols] as the split defines them: each chunk of rows in order from 0, then the chunks in order. */
const chunkedColumnSums = (x: Float32Array, rows: number, cols: number): Float32Array => {
  const { chunk, chunks } = reduceSplit(rows, cols)!;
  return Float32Array.from({ length: cols }, (_, o) => {
    let total = 0;
    for (let c = 0; c < chunks; c++) {
      let part = 0;
      for (let r = c * chunk; r < Math.min(rows, (c + 1) * chunk); r++) part = f(part + x[r * cols + o]);
      total = f(total + part);
    }
    return total;
  });
};

describe('split column sums, chunk-major', () => {
  // 2100 rows: 46 chunks of 46, the last one short; 12 and 128 columns (groups of four), 13 (a ragged tail)
  for (const [rows, cols] of [[2100, 12], [2100, 13], [4096, 128]]) {
    const prog = right(g.program({ x: [rows, cols] }, ({ x }) => ({ s: g.sum(x, { axes: 0 }) })));
    const x = Float32Array.from({ length: rows * cols }, (_, i) => f(Math.sin(i * 0.61) * 2 ** ((i % 7) - 3)));
    const want = chunkedColumnSums(x, rows, cols);

    it(`[${rows}, ${cols}]: four neighbouring elements read four neighbouring columns`, () => {
      const plan = compile(prog);
      const reduce = plan.kernelIR!.find((k) => k.fused.includes('reduce:sum'))!;
      const e = new KernelEmitter(reduce);
      const load = allNodes(reduce.nodes).find((n) => n.op === 'load' && n.buffer === plan.inputs.x);
      assert.ok(load && load.op === 'load');
      // with a column count that is not a multiple of four the groups straddle chunks: gathered, still correct
      assert.equal(e.laneShape(load.index), cols % 4 === 0 ? 'linear' : undefined);
    });

    it(`[${rows}, ${cols}]: wasm on 1 and 2 threads and gpu.js cpu give the chunked order's bits`, async () => {
      for (const threads of [1, 2]) {
        const rt = createWasmRuntime(REPORT, { threads });
        try {
          assert.deepEqual(bits(right(await rt.load(compile(prog)).run({ x })).s), bits(want), `wasm, ${threads} threads`);
        } finally {
          rt.destroy();
        }
      }
      const cpu = await createRuntime({ backend: 'cpu' });
      try {
        assert.deepEqual(bits(right(await cpu.load(compile(prog)).run({ x })).s), bits(want), 'gpu.js cpu');
      } finally {
        cpu.destroy();
      }
    });
  }
});
