import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRuntime } from '../../src/runtime/index.js';
import type { Method } from '../../src/train/mnist-job.js';
import { DEFAULT_JOB, METHODS, pretrainKey, runKey, runMnistJob, runNote, staleRunNotes } from '../../src/train/mnist-job.js';
import * as o from '../../src/optim/index.js';
import { IMAGE_SIZE } from '../../src/train/data/mnist.js';
import { resultsTable } from '../../src/train/report/index.js';
import * as E from 'fp-ts/lib/Either.js';
import * as nn from '../../src/nn/index.js';
import { loadCheckpoint } from '../../src/train/checkpoint/index.js';

// A small version of `npm start`: every method runs on real digits and beats chance (20% over 5 classes).
test('the mnist comparison runs every method, caches its pre-trained checkpoint, and reports', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'graft-mnist-'));
  const rt = await createRuntime({ backend: 'webasm' });
  // Child-Tuning F moves 30% of the weights a step: after 8 epochs it still gave many of the base's 0-4 answers
  // (accuracy 0.14-0.31 over seeds 1-9 and both generators, so passing was luck); 16 give 0.50-0.66 (seeds 1-4)
  const cfg = { ...DEFAULT_JOB, hidden: 16, pretrainEpochs: 1, finetuneEpochs: 16, headEpochs: 2, labelled: 200, validation: 200, heldOut: 300, lr: 1e-2, seeds: [1] };
  const logs: string[] = [];
  const checkpointDir = join(dir, 'checkpoints');
  const results = await runMnistJob(rt, cfg, dir, (l) => logs.push(l), { checkpointDir });
  assert.deepEqual(results.map((r) => r.method), [...METHODS]);
  for (const r of results) assert.ok(r.testAccuracy > 0.25, `${r.method}: ${r.testAccuracy}`);
  assert.ok(Math.abs(results.find((r) => r.method === 'child-tuning-D')!.keptFraction! - cfg.reserveP) < 0.01);
  assert.equal(readdirSync(dir).filter((f) => f.endsWith('.safetensors')).length, 1);
  // every run leaves its checkpoint: the whole model after its last epoch
  const shapes = nn.paramShapes(nn.mlpClassifier([784, cfg.hidden, 10]));
  for (const r of results) {
    const file = r.method === 'scheduled' ? join(checkpointDir, 'scheduled-seed1', 'last.safetensors') : join(checkpointDir, `${r.method}-seed1.safetensors`);
    const c = loadCheckpoint(file, { params: shapes });
    assert.ok(E.isRight(c), `${file}: ${E.isLeft(c) ? JSON.stringify(c.left) : ''}`);
    assert.equal(c.right.meta.epoch, r.records[r.records.length - 1].epoch, `${r.method}: the checkpoint's epoch count is its last record's epoch (both from 1)`);
  }
  // the second run loads the cached weights instead of training again
  await runMnistJob(rt, { ...cfg, seeds: [] }, dir, (l) => logs.push(l));
  assert.match(logs.join('\n'), /\(cached\)/);
  assert.match(resultsTable(results), /\| full \| \d+\.\d\d \| 1 \|/);
  rt.destroy();
  rmSync(dir, { recursive: true, force: true });
});

test('runNote: the mask kept, when the scheduled method thawed (epochs from 1), or that it never did', () => {
  assert.equal(runNote({ keptFraction: 0.3 }), ' (mask kept 30.0%)');
  assert.equal(runNote({ transitions: [{ epoch: 3, depth: 1 }], stopReason: 'max epochs 10 reached' }), ' (thawed the rest after epoch 3; stopped: max epochs 10 reached)');
  assert.equal(runNote({ transitions: [{ epoch: 0, depth: 1 }] }), ' (thawed the rest before epoch 1)');
  assert.equal(runNote({ transitions: [], stopReason: 'max epochs 3 reached' }), ' (the rest never thawed: the head trained alone; stopped: max epochs 3 reached)');
  assert.equal(runNote({}), '');
});

test('staleRunNotes: one per run whose test predictions are mostly the pre-training digits, named by method and seed', () => {
  const run = (method: Method, predictedClasses: number[]) => ({ method, seed: 2, testAccuracy: 0, seconds: 1, records: [], predictedClasses, steps: 6 });
  const notes = staleRunNotes([run('full', [60, 0, 0, 0, 0, 40, 0, 0, 0, 0]), run('scheduled', [40, 0, 0, 0, 0, 60, 0, 0, 0, 0])]);
  assert.deepEqual(notes, ['full seed 2: 60.0% of the 100 test predictions (60) are still pre-training classes 0-4, while the test images are 5-9: 6 optimizer steps did not let the new head take over (train more steps: more epochs, more labelled images or a smaller batch)']);
});

// config.json records the backend that ran and where the run went; a resume reads it back with both
test('a run\'s checkpoint key depends on the settings that change its numbers, and on nothing else', () => {
  const key = (c: object, method: (typeof METHODS)[number] = 'full', seed = 1) => runKey({ ...DEFAULT_JOB, ...c }, method, seed);
  const base = key({});
  assert.equal(key({ backend: 'webasm', out: 'elsewhere' }), base);
  assert.equal(key({ seeds: [1, 9], methods: ['full'], stepsPerCall: 1 }), base);
  for (const changed of [{ hidden: 64 }, { pretrainEpochs: 4 }, { finetuneEpochs: 11 }, { labelled: 400 }, { validation: 400 }, { heldOut: 1000 }, { batchSize: 25 }, { lr: 2e-3 }, { reserveP: 0.2 }, { headEpochs: 2 }]) {
    assert.notEqual(key(changed), base, JSON.stringify(changed));
  }
  assert.notEqual(key({}, 'scheduled'), base);
  assert.notEqual(key({}, 'full', 2), base);
});

test('the pre-trained cache key changes with the training step\'s formula, not only with the settings', () => {
  const model = nn.mlpClassifier([IMAGE_SIZE, DEFAULT_JOB.hidden, 10]);
  const base = pretrainKey(DEFAULT_JOB, model, o.adamw(DEFAULT_JOB.lr, { weightDecay: 0.01 }));
  assert.equal(pretrainKey(DEFAULT_JOB, model, o.adamw(DEFAULT_JOB.lr, { weightDecay: 0.01 })), base);
  // same settings, another formula: the weights it trains are other numbers
  assert.notEqual(pretrainKey(DEFAULT_JOB, model, o.adamw(DEFAULT_JOB.lr, { weightDecay: 0.01, eps: 1e-6 })), base);
  assert.notEqual(pretrainKey(DEFAULT_JOB, model, o.adam(DEFAULT_JOB.lr)), base);
  assert.notEqual(pretrainKey(DEFAULT_JOB, nn.mlpClassifier([IMAGE_SIZE, DEFAULT_JOB.hidden, 10], { activation: 'gelu' }), o.adamw(DEFAULT_JOB.lr, { weightDecay: 0.01 })), base);
  assert.notEqual(pretrainKey({ ...DEFAULT_JOB, lr: 2e-3 }, model, o.adamw(DEFAULT_JOB.lr, { weightDecay: 0.01 })), base);
});
