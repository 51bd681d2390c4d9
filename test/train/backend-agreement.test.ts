import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nn from '../../src/nn/index.js';
import * as o from '../../src/optim/index.js';
import { createRuntime } from '../../src/runtime/index.js';
import { fit } from '../../src/train/fit.js';
import { blobs } from './blobs.js';

// design.md: the same program, seed and data give the same numbers on every backend. Every op
// rounds to f32 on cpu as on webasm, so a whole training run agrees bit for bit, accuracy included.
test('fit on cpu and on webasm: the same losses, accuracies and weights, bit for bit', async () => {
  const model = nn.mlpClassifier([4, 8, 3]);
  const p0 = nn.initParams(model, 5);
  const runs = [];
  for (const backend of ['cpu', 'webasm'] as const) {
    const rt = await createRuntime({ backend });
    runs.push(await fit(rt, { model, transform: o.childTuningAdamW(0.05, { mode: 'F', reserveP: 0.5, seed: 9 }), features: [4], epochs: 3, batchSize: 16, seed: 3 }, p0, blobs(96, 1), blobs(60, 2)));
    rt.destroy();
  }
  const [cpu, webasm] = runs;
  const metrics = (r: typeof cpu) => r.records.map(({ seconds: _, ...m }) => m);
  assert.deepEqual(metrics(cpu), metrics(webasm));
  for (const name of Object.keys(cpu.params)) assert.deepEqual(new Uint32Array(cpu.params[name].buffer), new Uint32Array(webasm.params[name].buffer), name);
});
