// The matmul tiling descriptor: strides read back from the kernel's own index arithmetic, checked
// against strides derived by hand from row-major layouts; arithmetic that is not affine refused.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as E from 'fp-ts/lib/Either.js';
import * as g from '../../../src/dsl/index.js';
import { compile } from '../../../src/compiler/index.js';
import { KernelBuilder } from '../../../src/compiler/kernel-ir/builder.js';
import { affineReader } from '../../../src/compiler/kernel-ir/affine.js';
import { mergeHeads } from '../../../src/nn/attention.js';

const right = <A>(e: E.Either<unknown, A>): A => {
  if (E.isLeft(e)) throw e.left;
  return e.right;
};

const tilingOf = (p: E.Either<Error, g.Program>) => compile(right(p)).kernelIR!.find((k) => k.fused.includes('matmul'))!.tiling!;
const strides = (l: { offset: number; batch: readonly number[]; outer: number; inner: number }) => [l.offset, ...l.batch, l.outer, l.inner];

describe('matmul tiling descriptor', () => {
  it('x·Wᵀ: both factors read along k (x [m, k]: row stride k; W [n, k]: column stride k)', () => {
    const t = tilingOf(g.program({ x: [6, 5], w: [7, 5] }, ({ x, w }) => ({ y: g.matmul(x, g.transpose(w)) })));
    assert.deepEqual([t.m, t.n, t.k, t.batch], [6, 7, 5, []]);
    assert.deepEqual(t.a.loads.map(strides), [[0, 5, 1]]);
    assert.deepEqual(t.b.loads.map(strides), [[0, 5, 1]]);
  });

  it('xᵀ·g: x [k, m] read down its columns (row stride 1, k stride m); g [k, n] row-major', () => {
    const t = tilingOf(g.program({ x: [5, 6], gy: [5, 7] }, ({ x, gy }) => ({ y: g.matmul(g.transpose(x), gy) })));
    assert.deepEqual(t.a.loads.map(strides), [[0, 1, 6]]);
    assert.deepEqual(t.b.loads.map(strides), [[0, 1, 7]]);
  });

  it('batched q·kᵀ over [2, 3]: batch strides of each operand; a shared b has batch stride 0', () => {
    const t = tilingOf(g.program({ q: [2, 3, 6, 5], k: [2, 3, 7, 5] }, ({ q, k }) => ({ y: g.matmul(q, g.transpose(k, [0, 1, 3, 2])) })));
    assert.deepEqual(t.batch, [2, 3]);
    assert.deepEqual(t.a.loads.map(strides), [[0, 90, 30, 5, 1]]);
    assert.deepEqual(t.b.loads.map(strides), [[0, 105, 35, 5, 1]]);
    const s = tilingOf(g.program({ p: [3, 6, 5], v: [5, 7] }, ({ p, v }) => ({ y: g.matmul(p, v) })));
    assert.deepEqual(s.b.loads.map(strides), [[0, 0, 1, 7]]);
  });

  it('a head merge ([2, 3, 5, 4] -> [10, 12]) is copied before the product: merged·W, xᵀ·merged and mergedᵀ·g read the copy row-major', () => {
    const merged = (x: g.Tensor) => g.reshape(mergeHeads(x), [10, 12]);
    const a = tilingOf(g.program({ x: [2, 3, 5, 4], w: [12, 7] }, ({ x, w }) => ({ y: g.matmul(merged(x), w) })));
    assert.deepEqual([a.m, a.n, a.k], [10, 7, 12]);
    assert.deepEqual(a.a.loads.map(strides), [[0, 12, 1]]);
    const b = tilingOf(g.program({ x: [2, 3, 5, 4], h: [10, 6] }, ({ x, h }) => ({ y: g.matmul(g.transpose(h), merged(x)) })));
    assert.deepEqual(b.b.loads.map(strides), [[0, 1, 12]]);
    const c = tilingOf(g.program({ x: [2, 3, 5, 4], gy: [10, 6] }, ({ x, gy }) => ({ y: g.matmul(g.transpose(merged(x)), gy) })));
    assert.deepEqual(c.a.loads.map(strides), [[0, 1, 12]]);
  });

  it('a slice offsets the read', () => {
    const t = tilingOf(g.program({ a: [6, 8], b: [5, 7] }, ({ a, b }) => ({ y: g.matmul(g.slice(a, [0, 2], [6, 7]), b) })));
    assert.deepEqual(t.a.loads.map(strides), [[2, 8, 1]]);
  });
});

describe('affine reader', () => {
  const b = new KernelBuilder();
  const x = b.index;
  it('exact division and remainder split an index (x in [0, 12)); a remainder that could wrap or a clamp that bites is refused', () => {
    const q = b.binary('div', b.binary('add', b.binary('mul', x, b.int(3)), b.int(2)), b.int(3));
    const r = b.binary('rem', b.binary('add', b.binary('mul', x, b.int(3)), b.int(2)), b.int(3));
    const wraps = b.binary('rem', x, b.int(5));
    const clamp = b.binary('min', x, b.int(20));
    const bites = b.binary('min', x, b.int(5));
    const again = affineReader(b.nodes, new Map([[x, { c: 0, terms: { x: 1 } }]]), { x: 12 });
    assert.deepEqual(again(q), { c: 0, terms: { x: 1 } });
    assert.deepEqual(again(r), { c: 2, terms: {} });
    assert.equal(again(wraps), undefined);
    assert.deepEqual(again(clamp), { c: 0, terms: { x: 1 } });
    assert.equal(again(bites), undefined);
  });
});
