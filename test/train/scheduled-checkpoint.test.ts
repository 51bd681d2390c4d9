// Scheduled fine-tuning's checkpoints: last.safetensors every epoch and best.safetensors on improvement, with
// the phase depth, the best checkpoint and the machine's progress; a run interrupted at any epoch and resumed
// from its folder ends as the uninterrupted run does, bit for bit (thaws, restore-best and early stopping included).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import * as nn from '../../src/nn/index.js';
import * as o from '../../src/optim/index.js';
import type { Runtime } from '../../src/runtime/index.js';
import { createRuntime } from '../../src/runtime/index.js';
import type { ScheduledFitConfig } from '../../src/train/scheduled-fit.js';
import { scheduledFit } from '../../src/train/scheduled-fit.js';
import { BEST, LAST, loadScheduledResume } from '../../src/train/scheduled-checkpoint.js';
import { loadCheckpoint } from '../../src/train/checkpoint/index.js';
import { blobs, noisyBlobs } from './blobs.js';
import { right, tempDir } from './checkpoint/fixtures.js';

const model = nn.mlpClassifier([4, 8, 3]);
const shapes = nn.paramShapes(model);
const p0 = nn.initParams(model, 5);
const train = blobs(96, 1);
// validation loss rises as training fits, so the best epoch is an early one and the restore-best at the thaw
// really moves the parameters back
const validation = noisyBlobs(60, 2);
const head = ['layers.1.weight', 'layers.1.bias'];

const config = (dir: string): ScheduledFitConfig => ({
  model, features: [4], batchSize: 16, seed: 2, stepsPerCall: 3,
  // the body thaws at epoch 3 after restoring the best head-only checkpoint; 7 epochs at most
  machine: { phases: [{ params: head, maxTransitionEpoch: 3 }, { params: ['layers.0.weight', 'layers.0.bias'], maxTransitionEpoch: -1, lr: 0.02 }], maxDepth: -1, epochTransitionsOnly: true, restoreBest: true, baseMaxLr: 0.02, earlyStopping: { mode: 'min', patience: 1, minDelta: 0 }, maxEpochs: 7 },
  groupTransform: (lr, decay) => o.childTuningAdamW(lr ?? 0.05, { mode: 'F', reserveP: 0.6, seed: 4, weightDecay: decay ? 0.01 : 0 }),
  checkpoint: { dir, config: 'sched-v1' },
});

// wasm keeps the state resident within an epoch and reads it back for checkpoints: the same bytes either way
for (const backend of ['webasm', 'wasm'] as const) describe(`scheduled checkpoints (${backend})`, () => {
  let rt: Runtime;
  let straightDir: string;
  let straight: Awaited<ReturnType<typeof scheduledFit>>;
  const metas: Array<{ epoch: number; depth: number; best?: number }> = [];
  before(async () => {
    rt = await createRuntime({ backend });
    straightDir = tempDir();
    // epoch n's last.safetensors (epochs numbered from 1) holds n completed epochs
    const record = (epoch: number) => {
      const c = right(loadCheckpoint(join(straightDir, LAST), { params: shapes }));
      assert.equal(c.meta.epoch, epoch);
      metas.push({ epoch: c.meta.epoch, depth: c.meta.phaseDepth, ...(c.meta.best ? { best: c.meta.best.epoch } : {}) });
    };
    // onEpoch runs before its epoch's checkpoint: last.safetensors then holds the epoch before
    straight = await scheduledFit(rt, { ...config(straightDir), onEpoch: (r) => void (r.epoch > 1 && record(r.epoch - 1)) }, p0, train, validation);
    record(straight.records.length);
  });
  after(() => rt.destroy());

  test('every epoch writes last; best holds the best epoch; both carry the phase depth', () => {
    assert.deepEqual(straight.transitions, [{ epoch: 3, depth: 1 }]);
    // the checkpoint keeps the phase machine's best epoch as the machine counts it, from 0
    assert.equal(metas[2].best, 0, 'the best head-only epoch is the first, so the thaw restores it');
    assert.deepEqual(metas.map((m) => m.depth), straight.records.map((r) => r.depth));
    const last = right(loadCheckpoint(join(straightDir, LAST), { params: shapes }));
    const best = right(loadCheckpoint(join(straightDir, BEST), { params: shapes }));
    assert.equal(best.meta.epoch, last.meta.best!.epoch + 1, 'best.safetensors is the epoch last names');
    const bestRecord = straight.records.find((r) => r.epoch === last.meta.best!.epoch + 1)!;
    assert.equal(last.meta.best!.metric, bestRecord.evalLoss);
    assert.ok(straight.records.every((r) => r.evalLoss >= bestRecord.evalLoss || r.epoch > bestRecord.epoch));
  });

  for (const stopAfter of [1, 3, 5]) {
    test(`interrupted after ${stopAfter} epochs and resumed: the same run, bit for bit`, async () => {
      const dir = tempDir();
      await scheduledFit(rt, { ...config(dir), onEpoch: (r) => r.epoch < stopAfter }, p0, train, validation);
      const point = right(loadScheduledResume(dir, shapes, 'sched-v1'));
      assert.equal(point.epoch, stopAfter);
      const resumed = await scheduledFit(rt, { ...config(dir), resume: point }, p0, train, validation);
      assert.deepEqual(resumed.records.map(({ seconds, ...r }) => r), straight.records.slice(stopAfter).map(({ seconds, ...r }) => r));
      assert.deepEqual(resumed.transitions, straight.transitions);
      assert.equal(resumed.stopReason, straight.stopReason);
      for (const n of Object.keys(shapes)) assert.deepEqual(resumed.params[n], straight.params[n], n);
      for (const f of [LAST, BEST]) assert.ok(readFileSync(join(dir, f)).equals(readFileSync(join(straightDir, f))), `${f}: the same bytes`);
    });
  }

  test('a crash between writing best and last: the newer best is that epoch\'s checkpoint, and the run resumes from it', async () => {
    // clean validation: the loss improves every epoch, so every epoch writes best, then last
    const clean = blobs(60, 2);
    const ref = await scheduledFit(rt, config(tempDir()), p0, train, clean);
    const [three, two, crashed] = [tempDir(), tempDir(), tempDir()];
    await scheduledFit(rt, { ...config(three), onEpoch: (r) => r.epoch < 3 }, p0, train, clean);
    await scheduledFit(rt, { ...config(two), onEpoch: (r) => r.epoch < 2 }, p0, train, clean);
    assert.equal(right(loadCheckpoint(join(three, BEST), { params: shapes })).meta.epoch, 3, 'epoch 2 improved');
    // the crash: epoch 2's best is on disk, its last is not
    writeFileSync(join(crashed, LAST), readFileSync(join(two, LAST)));
    writeFileSync(join(crashed, BEST), readFileSync(join(three, BEST)));
    const point = right(loadScheduledResume(crashed, shapes, 'sched-v1'));
    assert.equal(point.epoch, 3);
    const resumed = await scheduledFit(rt, { ...config(crashed), resume: point }, p0, train, clean);
    assert.deepEqual(resumed.records.map(({ seconds, ...r }) => r), ref.records.slice(3).map(({ seconds, ...r }) => r));
    for (const n of Object.keys(shapes)) assert.deepEqual(resumed.params[n], ref.params[n], n);
  });

  test('a missing best, a stale best, or another configuration is refused with the file and the reason', async () => {
    const dir = tempDir();
    cpSync(straightDir, dir, { recursive: true });
    const other = loadScheduledResume(dir, shapes, 'sched-v2');
    assert.ok(E.isLeft(other));
    assert.match(other.left[0].message, /configured as "sched-v1", this run is "sched-v2"/);

    // a best.safetensors from another epoch than the one last.safetensors names
    const bestEpoch = right(loadCheckpoint(join(dir, LAST), { params: shapes })).meta.best!.epoch;
    const early = tempDir();
    const k = bestEpoch + 1 === 1 ? 2 : 1;
    await scheduledFit(rt, { ...config(early), onEpoch: (r) => r.epoch < k }, p0, train, validation);
    writeFileSync(join(dir, BEST), readFileSync(join(early, LAST)));
    const stale = loadScheduledResume(dir, shapes, 'sched-v1');
    assert.ok(E.isLeft(stale));
    assert.equal(stale.left[0].file, join(dir, BEST));
    // both epochs counted from 1, as every output counts them
    assert.equal(stale.left[0].message, `holds the end of epoch ${k}, but ${LAST} names epoch ${bestEpoch + 1} as the best`);

    rmSync(join(dir, BEST));
    const missing = loadScheduledResume(dir, shapes, 'sched-v1');
    assert.ok(E.isLeft(missing));
    assert.match(missing.left[0].message, /no such file/);
  });
});
