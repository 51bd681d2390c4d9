// Hand-derived gradients of movement, gather, reductions and matmul, each against a plain JS reference.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as g from '../../../src/dsl/index.js';
import type { Tensor } from '../../../src/dsl/index.js';
import { assertClose, gradsAt } from './helpers.js';

const range = (n: number, scale = 1, shift = 0) => Array.from({ length: n }, (_, i) => (i + shift) * scale);
/** Distinct weights, so every element's cotangent differs. */
const weights = (n: number) => range(n).map((i) => ((i * 7) % 11) / 4 - 1.25);
const weighted = (t: Tensor, w: Tensor) => g.sum(g.mul(t, w));

describe('movement ops', () => {
  it('broadcast: the cotangent summed over stretched and added axes', () => {
    const w = weights(12);
    const got = gradsAt({ a: [3, 1], b: [4], w: [3, 4] }, (i) => weighted(g.add(i.a, i.b), i.w), { a: [1, 2, 3], b: [1, 2, 3, 4], w }, ['a', 'b']);
    assertClose(got.d_a, range(3).map((r) => range(4).reduce((s, c) => s + w[r * 4 + c], 0)));
    assertClose(got.d_b, range(4).map((c) => range(3).reduce((s, r) => s + w[r * 4 + c], 0)));
  });

  it('reshape: the cotangent in the input\'s shape, same order', () => {
    const w = weights(6);
    assertClose(gradsAt({ x: [2, 3], w: [3, 2] }, (i) => weighted(g.reshape(i.x, [3, 2]), i.w), { x: range(6), w }, ['x']).d_x, w);
  });

  it('slice: the cotangent in place, zeros elsewhere', () => {
    const w = weights(4);
    const got = gradsAt({ x: [3, 4], w: [2, 2] }, (i) => weighted(g.slice(i.x, [1, 1], [3, 3]), i.w), { x: range(12), w }, ['x']).d_x;
    assertClose(got, [0, 0, 0, 0, 0, w[0], w[1], 0, 0, w[2], w[3], 0]);
  });

  it('transpose: the inverse permutation (a 3-cycle, which is not its own inverse)', () => {
    const w = weights(24); // w has the transposed shape [3, 4, 2]: w[j, k, i] pairs with x[i, j, k]
    const got = gradsAt({ x: [2, 3, 4], w: [3, 4, 2] }, (i) => weighted(g.transpose(i.x, [1, 2, 0]), i.w), { x: range(24), w }, ['x']).d_x;
    assertClose(got, range(24).map((f) => w[(Math.floor(f / 4) % 3) * 8 + (f % 4) * 2 + Math.floor(f / 12)]));
  });

  it('concat: each operand gets its slice of the cotangent', () => {
    const w = weights(8);
    const got = gradsAt({ x: [2, 1], y: [2, 3], w: [2, 4] }, (i) => weighted(g.concat([i.x, i.y], 1), i.w), { x: [1, 2], y: range(6), w }, ['x', 'y']);
    assertClose(got.d_x, [w[0], w[4]]);
    assertClose(got.d_y, [w[1], w[2], w[3], w[5], w[6], w[7]]);
  });
});

describe('gather: the cotangent scatter-added back', () => {
  it('repeated indices accumulate; out-of-range ones land on the edge they clamp to', () => {
    const w = [1, 10, 100, 1000, 10000, 100000];
    const idx = g.constant([1, 1, 3, 1, -1, 9], [6], 'i32');
    const got = gradsAt({ x: [4], w: [6] }, (i) => weighted(g.gather(i.x, idx), i.w), { x: [5, 6, 7, 8], w }, ['x']).d_x;
    assertClose(got, [10000, 1 + 10 + 1000, 0, 100 + 100000]);
  });

  it('along a middle axis with 2-D indices fed as an input', () => {
    const idx = [2, 0, 2, 2];
    const w = weights(16); // result shape [2, 2, 2, 2]: x[:, idx[m, n], :]
    const got = gradsAt({ x: [2, 3, 2], ix: { shape: [2, 2], dtype: 'i32' }, w: [2, 2, 2, 2] }, (i) => weighted(g.gather(i.x, i.ix, 1), i.w), { x: range(12), ix: idx, w }, ['x']).d_x;
    const want = new Array(12).fill(0);
    for (let p = 0; p < 2; p++) for (let n = 0; n < 4; n++) for (let q = 0; q < 2; q++) want[p * 6 + idx[n] * 2 + q] += w[p * 8 + n * 2 + q];
    assertClose(got, want);
  });

  it('with scalar indices (the gathered axis disappears)', () => {
    const got = gradsAt({ x: [3, 2], w: [3] }, (i) => weighted(g.gather(i.x, g.constant(1, [], 'i32'), 1), i.w), { x: range(6), w: [1, 2, 3] }, ['x']).d_x;
    assertClose(got, [0, 1, 0, 2, 0, 3]);
  });
});

describe('reductions', () => {
  it('sum over some axes: the cotangent broadcast back', () => {
    const w = weights(3);
    const got = gradsAt({ x: [2, 3, 2], w: [3] }, (i) => weighted(g.sum(i.x, { axes: [0, 2] }), i.w), { x: range(12), w }, ['x']).d_x;
    assertClose(got, range(12).map((f) => w[Math.floor(f / 2) % 3]));
  });

  it('mean: 1 / count per element', () => {
    assertClose(gradsAt({ x: [2, 4] }, ({ x }) => g.mean(x), { x: range(8) }).d_x, new Array(8).fill(1 / 8));
  });

  it('max: to the arg-max position, divided evenly among ties', () => {
    const got = gradsAt({ x: [2, 4], w: [2, 1] }, (i) => weighted(g.max(i.x, { axes: 1, keepDims: true }), i.w), { x: [1, 3, 3, 2, 5, 3, 5, 5], w: [2, 6] }, ['x']).d_x;
    assertClose(got, [0, 1, 1, 0, 2, 0, 2, 2]);
  });

  it('max: a position within 2^-20 relative of the max counts as a tie, one 2^-18 below does not', () => {
    const x = [4, 4 * (1 - 2 ** -22), 4 * (1 - 2 ** -18), 1];
    assertClose(gradsAt({ x: [4] }, (i) => g.max(i.x), { x }).d_x, [0.5, 0.5, 0, 0]);
  });
});

/** A JS batched matmul gradient with numpy broadcasting of batch axes. */
const matmulGradRef = (aShape: number[], bShape: number[], a: number[], b: number[], w: number[]) => {
  const [m, k] = aShape.slice(-2);
  const n = bShape[bShape.length - 1];
  const batch = g.broadcastShapes(aShape.slice(0, -2), bShape.slice(0, -2))!;
  const at = (shape: number[], idx: number[]) => shape.slice(0, -2).reduce((f, d, j) => f * d + (d === 1 ? 0 : idx[idx.length - shape.length + 2 + j]), 0);
  const da = new Array(a.length).fill(0);
  const db = new Array(b.length).fill(0);
  for (let o = 0; o < g.sizeOf(batch); o++) {
    const idx = batch.map((_, j) => Math.floor(o / g.sizeOf(batch.slice(j + 1))) % batch[j]);
    const [ao, bo] = [at(aShape, idx) * m * k, at(bShape, idx) * k * n];
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) for (let q = 0; q < k; q++) {
      const c = w[o * m * n + i * n + j];
      da[ao + i * k + q] += c * b[bo + q * n + j];
      db[bo + q * n + j] += c * a[ao + i * k + q];
    }
  }
  return { da, db };
};

describe('matmul', () => {
  const cases: ReadonlyArray<[number[], number[]]> = [
    [[2, 3], [3, 4]],
    [[2, 2, 3], [3, 4]],
    [[2, 1, 2, 3], [1, 3, 3, 2]],
  ];
  for (const [as, bs] of cases) {
    it(`[${as}] x [${bs}]: dA = dC B^T and dB = A^T dC, broadcast batch axes summed`, () => {
      const a = range(g.sizeOf(as), 0.25, -3);
      const b = range(g.sizeOf(bs), -0.5, -2);
      const out = [...g.broadcastShapes(as.slice(0, -2), bs.slice(0, -2))!, as[as.length - 2], bs[bs.length - 1]];
      const w = weights(g.sizeOf(out));
      const ref = matmulGradRef(as, bs, a, b, w);
      const got = gradsAt({ a: as, b: bs, w: out }, (i) => weighted(g.matmul(i.a, i.b), i.w), { a, b, w }, ['a', 'b']);
      assertClose(got.d_a, ref.da);
      assertClose(got.d_b, ref.db);
      assert.equal(got.d_a.length, g.sizeOf(as));
    });
  }
});

describe('iota', () => {
  it('holds each element\'s index along its axis and passes no gradient', () => {
    const got = gradsAt({ x: [2, 3] }, ({ x }) => g.sum(g.mul(x, g.iota([2, 3], 1, 'f32'))), { x: range(6) });
    assertClose(got.d_x, [0, 1, 2, 0, 1, 2]);
  });
});
