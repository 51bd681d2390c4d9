import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nn from '../../src/nn/index.js';
import * as o from '../../src/optim/index.js';
import { createRuntime } from '../../src/runtime/index.js';
import { scheduledFit } from '../../src/train/scheduled-fit.js';
import { blobs } from './blobs.js';

for (const backend of ['webasm', 'wasm'] as const) test(`the phase machine drives training: head first, the body thaws at its epoch, the best checkpoint is restored first (${backend})`, async () => {
  const rt = await createRuntime({ backend });
  const model = nn.mlpClassifier([4, 8, 3]);
  const p0 = nn.initParams(model, 5);
  const head = ['layers.1.weight', 'layers.1.bias'];
  const logs: string[] = [];
  const res = await scheduledFit(rt, {
    model, features: [4], batchSize: 16, seed: 2, log: (l) => logs.push(l),
    machine: { phases: [{ params: head, maxTransitionEpoch: 3 }, { params: ['layers.0.weight', 'layers.0.bias'], maxTransitionEpoch: -1, lr: 0.02 }], maxDepth: -1, epochTransitionsOnly: true, restoreBest: true, baseMaxLr: 0.02, earlyStopping: { mode: 'min', patience: 1, minDelta: 0 }, maxEpochs: 6 },
    groupTransform: (lr) => o.adamw(lr ?? 0.05, { weightDecay: 0 }),
  }, p0, blobs(96, 1), blobs(60, 2));
  assert.deepEqual(res.records.map((r) => r.depth), [0, 0, 0, 1, 1, 1]);
  assert.deepEqual(res.transitions, [{ epoch: 3, depth: 1 }]);
  assert.match(res.stopReason ?? '', /max epochs 6/);
  assert.deepEqual(res.records.map((r) => r.epoch), [1, 2, 3, 4, 5, 6]);
  // thawed with 3 epochs done: the restore comes before epoch 4, and names its best epoch from 1 too
  assert.ok(logs.some((l) => /^before epoch 4: restored the best checkpoint \(epoch [1-3], depth 0/.test(l)), logs.join('\n'));
  assert.ok(res.records[res.records.length - 1].evalAccuracy >= 0.9, JSON.stringify(res.records));
  assert.notDeepEqual(res.params['layers.0.weight'], p0['layers.0.weight'], 'the body trains after it thaws');
  rt.destroy();
});

test('before the body thaws it does not move', async () => {
  const rt = await createRuntime({ backend: 'cpu' });
  const model = nn.mlpClassifier([4, 8, 3]);
  const p0 = nn.initParams(model, 5);
  const res = await scheduledFit(rt, {
    model, features: [4], batchSize: 16, seed: 2,
    machine: { phases: [{ params: ['layers.1.weight', 'layers.1.bias'], maxTransitionEpoch: 5 }, { params: ['layers.0.weight', 'layers.0.bias'], maxTransitionEpoch: -1 }], maxDepth: -1, epochTransitionsOnly: true, restoreBest: false, baseMaxLr: 0.02, earlyStopping: { mode: 'min', patience: 1, minDelta: 0 }, maxEpochs: 2 },
    groupTransform: (lr) => o.adamw(lr ?? 0.05, { weightDecay: 0 }),
  }, p0, blobs(48, 1), blobs(30, 2));
  assert.deepEqual(res.params['layers.0.weight'], p0['layers.0.weight']);
  assert.notDeepEqual(res.params['layers.1.weight'], p0['layers.1.weight']);
  rt.destroy();
});
