import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nn from '../../src/nn/index.js';
import * as o from '../../src/optim/index.js';
import { createRuntime } from '../../src/runtime/index.js';
import { fit } from '../../src/train/fit.js';
import { blobs, noisyBlobs } from './blobs.js';

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

for (const backend of ['webasm', 'wasm'] as const) test(`several steps per call train the same numbers as one step per call (${backend})`, async () => {
  const rt = await createRuntime({ backend });
  const model = nn.mlpClassifier([4, 8, 3]);
  const p0 = nn.initParams(model, 5);
  // 96 / 16 = 6 steps an epoch: 4 + 2 per epoch with stepsPerCall 4
  const run = (stepsPerCall?: number) =>
    fit(rt, { model, transform: o.childTuningAdamW(0.05, { mode: 'F', reserveP: 0.5, seed: 9 }), features: [4], epochs: 3, batchSize: 16, seed: 3, ...(stepsPerCall ? { stepsPerCall } : {}) }, p0, blobs(96, 1), blobs(60, 2));
  const one = await run();
  for (const k of [4, 6]) {
    const many = await run(k);
    assert.deepEqual(many.records.map((r) => [r.trainLoss, r.trainAccuracy, r.evalLoss]), one.records.map((r) => [r.trainLoss, r.trainAccuracy, r.evalLoss]), `stepsPerCall ${k}`);
    for (const name of Object.keys(one.params)) assert.deepEqual(many.params[name], one.params[name], `stepsPerCall ${k}: ${name}`);
    assert.equal(many.state.step, one.state.step);
  }
  rt.destroy();
});

test('early stopping ends training after `patience` epochs without improvement, as a brute-force scan of the records says', async () => {
  const rt = await createRuntime({ backend: 'webasm' });
  const model = nn.mlpClassifier([4, 8, 3]);
  const p0 = nn.initParams(model, 5);
  const noisy = noisyBlobs(60, 2);
  const base = { model, transform: o.adamw(0.05), features: [4], epochs: 12, batchSize: 16, seed: 3 };
  const full = await fit(rt, base, p0, blobs(96, 1), noisy);
  assert.equal(full.records.length, 12);
  assert.equal(full.stopReason, undefined);
  const stops: number[] = [];
  for (const [monitor, patience, minDelta] of [['loss', 2, 0], ['loss', 3, 0.01], ['accuracy', 2, 0]] as const) {
    // the oracle: walk the full run's validation metrics
    const metric = (r: (typeof full.records)[number]) => (monitor === 'loss' ? r.evalLoss : r.evalAccuracy);
    let best: number = Number.NaN;
    let wait = 0;
    // the epoch (numbered from 1) after which training stops
    let stopAt: number = full.records.length;
    for (const r of full.records) {
      const m = metric(r);
      const better = Number.isNaN(best) || (monitor === 'loss' ? m < best - minDelta : m > best + minDelta);
      if (better) [best, wait] = [m, 0];
      else wait++;
      if (wait >= patience) {
        stopAt = r.epoch;
        break;
      }
    }
    stops.push(stopAt);
    const stopped = await fit(rt, { ...base, earlyStopping: { monitor, patience, minDelta } }, p0, blobs(96, 1), noisy);
    assert.equal(stopped.records.length, stopAt, `${monitor} patience ${patience}`);
    assert.deepEqual(stopped.records.map((r) => r.evalLoss), full.records.slice(0, stopAt).map((r) => r.evalLoss));
    if (stopAt < full.records.length) assert.match(stopped.stopReason ?? '', new RegExp(`validation ${monitor} did not improve for ${patience} epoch`));
  }
  assert.ok(stops.every((e) => e < 12), `every case stops early: ${stops}`);
  rt.destroy();
});
