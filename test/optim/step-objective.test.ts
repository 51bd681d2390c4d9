import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from 'fp-ts/lib/Either.js';
import * as g from '../../src/dsl/index.js';
import * as o from '../../src/optim/index.js';
import { createRuntime } from '../../src/runtime/index.js';
import { createOptimizerRunner } from '../../src/train/optimizer-runner.js';

// Least squares: loss = mean((x·w + b − y)²); with SGD the step is hand-derivable.
const X = [1, 2, 3, 4, 5, 6]; // 3 rows of 2 features
const Y = [1, 0, 2];
const W0 = [0.5, -0.25];
const B0 = [0.1];

test('a step whose gradients come from a loss: forward, backward and update in one program', async () => {
  const lr = 0.05;
  const objective: o.Objective = {
    inputs: { x: { shape: [3, 2], dtype: 'f32' }, y: { shape: [3], dtype: 'f32' } },
    frozen: { b: [1] },
    build: (p, inp) => {
      const pred = g.add(g.reshape(g.matmul(inp.x, g.reshape(p.w, [2, 1])), [3]), p.b);
      const err = g.sub(pred, inp.y);
      return { loss: g.mean(g.mul(err, err)), metrics: { maxErr: g.max(g.abs(err)) } };
    },
  };
  for (const backend of ['cpu', 'webasm', 'wasm'] as const) {
    const rt = await createRuntime({ backend });
    const runner = E.getOrElseW((e: Error) => assert.fail(e.message))(createOptimizerRunner(rt, o.sgd(lr), { w: [2] }, objective, { b: Float32Array.from(B0) }));
    const s0 = E.getOrElseW((e: Error) => assert.fail(e.message))(await runner.init({ w: Float32Array.from(W0) }));
    const s1 = E.getOrElseW((e: Error) => assert.fail(e.message))(await runner.step(s0, { x: Float32Array.from(X), y: Float32Array.from(Y) }));
    // by hand: err_i = x_i·w + b − y_i; dL/dw = (2/3) Σ err_i x_i
    const err = [0, 1, 2].map((i) => X[2 * i] * W0[0] + X[2 * i + 1] * W0[1] + B0[0] - Y[i]);
    const gw = [0, 1].map((j) => (2 / 3) * err.reduce((s, e, i) => s + e * X[2 * i + j], 0));
    const want = W0.map((w, j) => w - lr * gw[j]);
    s1.params.w.forEach((v, j) => assert.ok(Math.abs(v - want[j]) < 1e-6, `${backend} w[${j}] = ${v}, want ${want[j]}`));
    assert.ok(Math.abs(s1.metrics!.loss - err.reduce((s, e) => s + e * e, 0) / 3) < 1e-6, `${backend} loss ${s1.metrics!.loss}`);
    assert.ok(Math.abs(s1.metrics!.maxErr - Math.max(...err.map(Math.abs))) < 1e-6);
    assert.deepEqual(Object.keys(s1.params), ['w'], 'the frozen bias is neither updated nor returned');
    runner.destroy();
    rt.destroy();
  }
});
