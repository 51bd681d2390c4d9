// The trainer's checkpoints: one after every epoch holding the whole model, and a run resumed from one
// ends with the same numbers, and the same checkpoint bytes, as a run that never stopped.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import * as nn from '../../src/nn/index.js';
import * as o from '../../src/optim/index.js';
import type { Runtime } from '../../src/runtime/index.js';
import { createRuntime } from '../../src/runtime/index.js';
import type { FitConfig } from '../../src/train/fit.js';
import { fit } from '../../src/train/fit.js';
import { loadResumePoint } from '../../src/train/fit-checkpoint.js';
import { loadCheckpoint, saveCheckpoint } from '../../src/train/checkpoint/index.js';
import { GENERATOR_VERSION } from '../../src/dsl/counter-hash.js';
import { blobs, noisyBlobs } from './blobs.js';
import { right, tempDir } from './checkpoint/fixtures.js';

const model = nn.mlpClassifier([4, 8, 3]);
const shapes = nn.paramShapes(model);
const p0 = nn.initParams(model, 5);
const train = blobs(96, 1);
const evalSet = blobs(60, 2);
const EPOCHS = 4;

const config = (trainable: readonly string[], file: string): FitConfig => ({
  model,
  // a fresh mask keyed by (seed, step) every step: a resume that lost the step would differ
  transform: o.childTuningAdamW(0.05, { mode: 'F', reserveP: 0.5, seed: 9, weightDecay: 0.01 }),
  trainable,
  features: [4],
  epochs: EPOCHS,
  batchSize: 16,
  seed: 3,
  stepsPerCall: 4,
  checkpoint: { file, config: 'blobs-v1' },
});

// wasm keeps the state resident between steps and reads it back for checkpoints: the same bytes either way
for (const backend of ['webasm', 'wasm'] as const) describe(`fit checkpoints (${backend})`, () => {
  let rt: Runtime;
  before(async () => {
    rt = await createRuntime({ backend });
  });
  after(() => rt.destroy());

  const all = Object.keys(shapes);
  const head = ['layers.1.weight', 'layers.1.bias'];
  for (const [what, trainable] of [['every parameter trained', all], ['the head trained, the rest frozen', head]] as const) {
    test(`${what}: ${EPOCHS} epochs straight = 2 epochs, stop, resume from the file, ${EPOCHS - 2} epochs`, async () => {
      const dir = tempDir();
      const straightFile = join(dir, 'straight.safetensors');
      const seen: number[] = [];
      const given: Array<Record<string, Float32Array>> = [];
      // epoch n's file (epochs numbered from 1) holds n as its epoch count and the whole model as the trainer handed it to onEpoch
      const check = (epoch: number) => {
        const c = right(loadCheckpoint(straightFile, { params: shapes }));
        assert.equal(c.meta.epoch, epoch);
        for (const n of all) assert.deepEqual(c.params[n], given[epoch - 1][n], `epoch ${epoch}: ${n}`);
        seen.push(c.meta.step);
      };
      const straight = await fit(rt, {
        ...config(trainable, straightFile),
        // onEpoch runs before its epoch's checkpoint: the file then holds the epoch before
        onEpoch: (record, params) => {
          if (record.epoch > 1) check(record.epoch - 1);
          given.push({ ...params });
        },
      }, p0, train, evalSet);
      assert.deepEqual(straight.records.map((r) => r.epoch), [1, 2, 3, 4]);
      check(EPOCHS);
      assert.deepEqual(seen, [6, 12, 18, 24]);

      const stoppedFile = join(dir, 'stopped.safetensors');
      await fit(rt, { ...config(trainable, stoppedFile), epochs: 2 }, p0, train, evalSet);
      const point = right(loadResumePoint(stoppedFile, shapes, trainable, 'blobs-v1'));
      assert.equal(point.resume.epoch, 2);
      const resumed = await fit(rt, { ...config(trainable, stoppedFile), resume: point.resume }, point.params, train, evalSet);

      assert.deepEqual(resumed.records.map((r) => r.epoch), [3, 4], 'a run resumed after epoch 2 goes on with epoch 3');
      assert.deepEqual(resumed.records.map(({ seconds, ...r }) => r), straight.records.slice(2).map(({ seconds, ...r }) => r));
      for (const n of all) assert.deepEqual(resumed.params[n], straight.params[n], n);
      assert.ok(Buffer.from(readFileSync(stoppedFile)).equals(readFileSync(straightFile)), 'the final checkpoints are the same bytes');
      if (trainable === head) assert.deepEqual(resumed.params['layers.0.weight'], p0['layers.0.weight'], 'frozen parameters stay as they were');
    });
  }

  test('early stopping\'s counter travels in the checkpoint: a resumed run stops where the straight one did', async () => {
    const dir = tempDir();
    const noisy = noisyBlobs(60, 2);
    const cfg = (file: string): FitConfig => ({ ...config(all, file), epochs: 12, earlyStopping: { patience: 2 } });
    const straight = await fit(rt, cfg(join(dir, 'a.safetensors')), p0, train, noisy);
    assert.ok(straight.records.length < 12 && straight.stopReason, 'the straight run stops early');
    const stopAt = straight.records.length;
    // interrupted one epoch before it stops: the counter is already running
    await fit(rt, { ...cfg(join(dir, 'b.safetensors')), epochs: stopAt - 1 }, p0, train, noisy);
    const point = right(loadResumePoint(join(dir, 'b.safetensors'), shapes, all, 'blobs-v1'));
    assert.ok(point.resume.progress.earlyStopping.wait >= 1, JSON.stringify(point.resume.progress));
    const resumed = await fit(rt, { ...cfg(join(dir, 'b.safetensors')), resume: point.resume }, point.params, train, noisy);
    assert.equal(resumed.stopReason, straight.stopReason);
    assert.deepEqual(resumed.records.map((r) => r.epoch), [stopAt]);
    // resuming a run that already stopped trains nothing
    const again = await fit(rt, { ...cfg(join(dir, 'b.safetensors')), resume: right(loadResumePoint(join(dir, 'b.safetensors'), shapes, all, 'blobs-v1')).resume }, point.params, train, noisy);
    assert.deepEqual(again.records, []);
    assert.equal(again.stopReason, straight.stopReason);
  });

  test('a checkpoint from another configuration, or a damaged one, is refused with the file and the reason', async () => {
    const dir = tempDir();
    const file = join(dir, 'run.safetensors');
    await fit(rt, { ...config(all, file), epochs: 1 }, p0, train, evalSet);
    const other = loadResumePoint(file, shapes, all, 'blobs-v2');
    assert.ok(E.isLeft(other));
    assert.equal(other.left[0].file, file);
    assert.match(other.left[0].message, /configured as "blobs-v1", this run is "blobs-v2"/);

    // the same file as an older graft would have written it: its masks came from generator version 1
    const c = right(loadCheckpoint(file, { params: shapes }));
    const old = join(dir, 'old-generator.safetensors');
    right(saveCheckpoint(old, { ...c, meta: { ...c.meta, generator: { ...c.meta.generator, version: GENERATOR_VERSION - 1 } } }));
    const refused = loadResumePoint(old, shapes, all, 'blobs-v1');
    assert.ok(E.isLeft(refused));
    assert.deepEqual(refused.left.map((p) => [p.file, p.path]), [[old, '__metadata__["graft.generator"].version']]);
    assert.match(refused.left[0].message, new RegExp(`^drawn with random generator version ${GENERATOR_VERSION - 1}, this graft draws with version ${GENERATOR_VERSION}: `));

    const bytes = readFileSync(file);
    const cut = join(dir, 'cut.safetensors');
    writeFileSync(cut, bytes.subarray(0, bytes.length - 10));
    const truncated = loadResumePoint(cut, shapes, all, 'blobs-v1');
    assert.ok(E.isLeft(truncated));
    assert.ok(truncated.left.every((p) => p.file === cut));

    // an optimizer whose state the checkpoint does not hold: refused before anything trains, every leaf named
    const point = right(loadResumePoint(file, shapes, all, 'blobs-v1'));
    await assert.rejects(
      fit(rt, { ...config(all, join(dir, 'other.safetensors')), transform: o.sgd(0.1, { momentum: 0.9 }), resume: point.resume }, point.params, train, evalSet),
      (e: Error) => /cannot resume: the checkpoint's optimizer state does not fit/.test(e.message) && /not a state of this optimizer/.test(e.message) && /missing/.test(e.message),
    );

    const bigger = nn.paramShapes(nn.mlpClassifier([4, 9, 3]));
    const mismatch = loadResumePoint(file, bigger, all, 'blobs-v1');
    assert.ok(E.isLeft(mismatch));
    assert.ok(mismatch.left.some((p) => p.path.includes('layers.0.weight')), JSON.stringify(mismatch.left));
  });
});
