// grad, vjp and valueAndGrad as a user meets them: known gradients of whole models, cotangents
// through several outputs, gradients with respect to intermediates.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as g from '../../../src/dsl/index.js';
import type { Tensor } from '../../../src/dsl/index.js';
import { assertClose, build, evaluate, gradsAt } from './helpers.js';

/** Mean softmax cross-entropy of logits [B, C] against i32 labels [B], with the max subtracted. */
const crossEntropy = (logits: Tensor, labels: Tensor): Tensor => {
  const [b, c] = logits.shape;
  const shifted = g.sub(logits, g.max(logits, { axes: 1, keepDims: true }));
  const logZ = g.log(g.sum(g.exp(shifted), { axes: 1 }));
  const oneHot = g.cast(g.eq(g.iota([b, c], 1), g.reshape(labels, [b, 1])), 'f32');
  return g.mean(g.sub(logZ, g.sum(g.mul(oneHot, shifted), { axes: 1 })));
};

describe('grad of whole models', () => {
  it('softmax cross-entropy: d/dlogits = (softmax - onehot) / B, the max shift cancelling', () => {
    // row 1 has a tie for the max, so the max's tie split must cancel too
    const logits = [1, 2, 0.5, -1, 3, 3, 0, 0.25, 0.5];
    const labels = [1, 0, 2];
    const got = gradsAt({ z: [3, 3], y: { shape: [3], dtype: 'i32' } }, ({ z, y }) => crossEntropy(z, y), { z: logits, y: labels }, ['z']);
    const want = logits.map((_, i) => {
      const r = Math.floor(i / 3);
      const row = logits.slice(r * 3, r * 3 + 3);
      const p = Math.exp(logits[i]) / row.reduce((s, v) => s + Math.exp(v), 0);
      return (p - (labels[r] === i % 3 ? 1 : 0)) / 3;
    });
    assertClose(got.d_z, want, 1e-12);
    const rows = [0, 1, 2].map((r) => Math.log(logits.slice(r * 3, r * 3 + 3).reduce((s, v) => s + Math.exp(v), 0)) - logits[r * 3 + labels[r]]);
    assertClose(got.loss, [rows.reduce((s, v) => s + v, 0) / 3], 1e-12);
  });

  it('a linear layer under squared error: dW = 2 (Wx - y) x^T, db = 2 (Wx - y)', () => {
    const [w, x, b, y] = [[1, -1, 0.5, 2, 0, -0.5], [0.5, -1, 2], [0.25, -0.25], [1, 2]];
    const got = gradsAt({ w: [2, 3], x: [3, 1], b: [2, 1], y: [2, 1] }, (i) => g.sum(g.pow(g.sub(g.add(g.matmul(i.w, i.x), i.b), i.y), 2)), { w, x, b, y }, ['w', 'b']);
    const r = [0, 1].map((i) => 2 * (w[i * 3] * x[0] + w[i * 3 + 1] * x[1] + w[i * 3 + 2] * x[2] + b[i] - y[i]));
    assertClose(got.d_w, [0, 1].flatMap((i) => x.map((v) => r[i] * v)));
    assertClose(got.d_b, r);
  });
});

describe('vjp', () => {
  it('sums the cotangent-weighted Jacobians of several outputs', () => {
    const xs = [0.5, -1, 2];
    const prog = build({ x: [3], c1: [3], c2: [] }, ({ x, c1, c2 }) => {
      const [dx] = g.vjp([g.mul(x, x), g.sum(g.exp(x))], [c1, c2], [x]);
      return { dx };
    });
    const got = evaluate(prog, { x: xs, c1: [1, 2, 3], c2: 0.5 }).dx;
    assertClose(got, xs.map((x, i) => 2 * x * (i + 1) + 0.5 * Math.exp(x)));
  });

  it('with respect to an intermediate: the cotangent arriving there', () => {
    const xs = [0.5, -1, 2];
    const prog = build({ x: [3] }, ({ x }) => {
      const h = g.tanh(x);
      const loss = g.sum(g.mul(h, h));
      const { h: dh, x: dx } = g.grad(loss, { h, x });
      return { dh, dx };
    });
    const got = evaluate(prog, { x: xs });
    assertClose(got.dh, xs.map((x) => 2 * Math.tanh(x)));
    assertClose(got.dx, xs.map((x) => 2 * Math.tanh(x) * (1 - Math.tanh(x) ** 2)));
  });
});

describe('valueAndGrad', () => {
  it('returns the loss and a gradient per parameter, under the same names', () => {
    const f = g.valueAndGrad(({ a, b }: { a: Tensor; b: Tensor }) => g.sum(g.mul(g.mul(a, a), b)));
    const prog = build({ a: [2], b: [2] }, (params) => {
      const [value, grads] = f({ a: params.a, b: params.b });
      return { value, da: grads.a, db: grads.b };
    });
    const got = evaluate(prog, { a: [3, -2], b: [0.5, 4] });
    assertClose(got.value, [9 * 0.5 + 4 * 4]);
    assertClose(got.da, [3, -16]);
    assertClose(got.db, [9, 4]);
    assert.deepEqual(Object.keys(got).sort(), ['da', 'db', 'value']);
  });
});
