// Child-Tuning D's Fisher pass against an oracle that shares none of its gradient code: per batch, each
// selected parameter's gradient by central finite differences of the float64 interpreted loss, clipped to
// the max norm on its own (torch's clip_grad_norm_ per tensor), squared, averaged over the batches.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from 'fp-ts/lib/Either.js';
import * as g from '../../src/dsl/index.js';
import * as nn from '../../src/nn/index.js';
import { createRuntime } from '../../src/runtime/index.js';
import { fisherScores } from '../../src/train/fisher-pass.js';
import { batches, permutation } from '../../src/train/data/shuffle.js';
import { blobs } from './blobs.js';

const FEATURES = 4;
const BATCH = 8;
const SEED = 6;
const MAX_NORM = 0.5;

test('Fisher scores = the mean over batches of each clipped gradient squared (finite-difference oracle)', async () => {
  // tanh keeps the loss smooth, so central differences are accurate
  const model = nn.mlpClassifier([FEATURES, 3, 3], { activation: 'tanh' });
  const shapes = nn.paramShapes(model);
  const params = nn.initParams(model, 3);
  const train = blobs(40, 5);
  const selected = ['layers.0.weight', 'layers.1.weight'];

  const lossProg = g.program({ ...shapes, x: [BATCH, FEATURES], y: { shape: [BATCH], dtype: 'i32' } }, (i) => ({ loss: nn.crossEntropy(model.apply(i, i.x, nn.evalCtx), i.y) }));
  if (E.isLeft(lossProg)) throw lossProg.left;
  const lossAt = (p: Record<string, Float64Array | Float32Array>, x: Float32Array, y: Float32Array) => {
    const out = g.interpret(lossProg.right, { ...p, x, y });
    if (E.isLeft(out)) throw out.left;
    return out.right.loss[0];
  };

  const order = batches(permutation(train.count, SEED, 2 ** 23), BATCH, true);
  const want: Record<string, Float64Array> = Object.fromEntries(selected.map((k) => [k, new Float64Array(params[k].length)]));
  for (const b of order) {
    const x = new Float32Array(b.length * FEATURES);
    b.forEach((r, k) => x.set(train.inputs.subarray(r * FEATURES, (r + 1) * FEATURES), k * FEATURES));
    const y = Float32Array.from(b, (r) => train.labels[r]);
    for (const k of selected) {
      const h = 2 ** -12;
      const grad = Float64Array.from(params[k], (_, i) => {
        const plus = Float64Array.from(params[k]);
        const minus = Float64Array.from(params[k]);
        plus[i] += h;
        minus[i] -= h;
        return (lossAt({ ...params, [k]: plus }, x, y) - lossAt({ ...params, [k]: minus }, x, y)) / (2 * h);
      });
      const norm = Math.sqrt(grad.reduce((s, v) => s + v * v, 0));
      const scale = Math.min(1, MAX_NORM / (norm + 1e-6));
      grad.forEach((v, i) => (want[k][i] += (v * scale) ** 2 / order.length));
    }
  }

  for (const backend of ['cpu', 'webasm', 'wasm'] as const) {
    const rt = await createRuntime({ backend });
    const got = await fisherScores(rt, model, params, train, { selected, batchSize: BATCH, seed: SEED, maxGradNorm: MAX_NORM, features: [FEATURES] });
    assert.deepEqual(Object.keys(got).sort(), [...selected].sort());
    for (const k of selected) {
      const scale = Math.max(...want[k]);
      for (let i = 0; i < want[k].length; i++) {
        if (!(Math.abs(got[k][i] - want[k][i]) <= 1e-4 * scale + 1e-9)) assert.fail(`${backend} ${k}[${i}] = ${got[k][i]}, oracle ${want[k][i]}`);
      }
    }
    rt.destroy();
  }
});
