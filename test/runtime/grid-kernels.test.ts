// Matmul kernels in their 2-D grid form (webasm): results against the float64 interpreter for
// shapes that exercise the unrolled loop's tail, odd column counts, batch axes, fused operands,
// and later kernels reading the grid result with flat indices.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as g from '../../src/dsl/index.js';
import type { Program } from '../../src/dsl/index.js';
import { compile } from '../../src/compiler/index.js';
import { gridKernels } from '../../src/runtime/index.js';
import { right, useRuntimes } from '../nn/harness.js';

const values = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => (((i * 37 + seed * 11) % 23) - 11) / 13);
const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

interface Case {
  readonly name: string;
  readonly a: readonly number[];
  readonly b: readonly number[];
  readonly build: (a: g.Tensor, b: g.Tensor) => Record<string, g.Tensor>;
}

const cases: readonly Case[] = [
  { name: '1x1 @ 1x1', a: [1, 1], b: [1, 1], build: (a, b) => ({ y: g.matmul(a, b) }) },
  { name: 'k not a multiple of the unroll (3x5 @ 5x7)', a: [3, 5], b: [5, 7], build: (a, b) => ({ y: g.matmul(a, b) }) },
  { name: 'k = 784, 10 columns, read flat by a later kernel', a: [9, 784], b: [784, 10], build: (a, b) => {
    const y = g.matmul(a, b);
    return { y, z: g.add(g.tanh(y), g.sum(y)) };
  } },
  { name: 'transposed and fused operands', a: [6, 5], b: [7, 6], build: (a, b) => ({ y: g.matmul(g.tanh(g.transpose(a)), g.transpose(g.mul(b, b))) }) },
  { name: 'batch axes with broadcast', a: [2, 3, 4, 6], b: [3, 6, 5], build: (a, b) => ({ y: g.matmul(a, b) }) },
  { name: 'a row times a column', a: [1, 9], b: [9, 1], build: (a, b) => ({ y: g.matmul(a, b) }) },
];

describe('matmul grid kernels', () => {
  const rts = useRuntimes();

  test('only webasm runs the grid form', () => {
    assert.equal(gridKernels('webasm'), true);
    assert.equal(gridKernels('cpu'), false);
    assert.equal(gridKernels('webgpu'), false);
  });

  for (const c of cases) {
    test(c.name, async () => {
      const prog: Program = right(g.program({ a: [...c.a], b: [...c.b] }, ({ a, b }) => c.build(a, b)));
      const plan = compile(prog);
      const feeds = { a: values(size(c.a), 1), b: values(size(c.b), 2) };
      const want = right(g.interpret(prog, feeds));
      const matmuls = plan.kernels.filter((k) => k.fused.includes('matmul'));
      assert.ok(matmuls.length > 0);
      for (const rt of rts) {
        const backend = rt.report.backend;
        const ex = rt.load(plan);
        const out = right(await ex.run(feeds));
        const info = ex.info()!;
        assert.equal(info.gridKernels, backend === 'webasm' ? plan.kernels.filter((k) => k.grid).length : 0);
        for (const [name, w] of Object.entries(want)) {
          assert.equal(out[name].length, w.length, `${backend} ${name} length`);
          for (let i = 0; i < w.length; i++) {
            const tol = 1e-5 * Math.max(1, Math.abs(w[i])) * (c.a[c.a.length - 1] > 100 ? 20 : 1);
            if (!(Math.abs(out[name][i] - w[i]) <= tol)) assert.fail(`${backend} ${name}[${i}] = ${out[name][i]}, expected ${w[i]}`);
          }
        }
        ex.destroy();
      }
      assert.ok(matmuls.every((k) => k.grid !== undefined), 'every matmul kernel has a grid form');
    });
  }
});
