import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nn from '../../src/nn/index.js';
import * as o from '../../src/optim/index.js';
import { createRuntime } from '../../src/runtime/index.js';
import type { Examples } from '../../src/train/fit.js';
import { fit } from '../../src/train/fit.js';

// Two gaussian blobs per class in 4-D, 3 classes: linearly separable, so training must reach ~100%.
const blobs = (n: number, seed: number): Examples => {
  let s = seed;
  const r = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  const inputs = new Float32Array(n * 4);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 3;
    for (let f = 0; f < 4; f++) inputs[i * 4 + f] = (f === labels[i] ? 2 : 0) + 0.3 * r();
  }
  return { inputs, labels, count: n };
};

test('fit learns a separable problem, deterministically, leaving frozen parameters alone', async () => {
  const rt = await createRuntime({ backend: 'webasm' });
  const model = nn.mlpClassifier([4, 8, 3]);
  const p0 = nn.initParams(model, 5);
  const run = (trainable?: string[]) => fit(rt, { model, transform: o.adamw(0.05), features: [4], epochs: 8, batchSize: 16, seed: 3, ...(trainable ? { trainable } : {}) }, p0, blobs(96, 1), blobs(60, 2));
  const a = await run();
  const last = a.records[a.records.length - 1];
  assert.ok(last.evalAccuracy >= 0.95, `eval accuracy ${last.evalAccuracy}`);
  assert.ok(last.trainLoss < a.records[0].trainLoss, 'training loss falls');
  const b = await run();
  assert.deepEqual(b.records.map((r) => [r.trainLoss, r.evalAccuracy]), a.records.map((r) => [r.trainLoss, r.evalAccuracy]));
  assert.deepEqual(b.params['layers.0.weight'], a.params['layers.0.weight']);
  // only the head trains: the first layer comes back exactly as it went in
  const head = await run(['layers.1.weight', 'layers.1.bias']);
  assert.deepEqual(head.params['layers.0.weight'], p0['layers.0.weight']);
  assert.notDeepEqual(head.params['layers.1.weight'], p0['layers.1.weight']);
  rt.destroy();
});
