// The overfit check's verdict follows from what it measured: hand-built measurements in, the verdict out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { OverfitPoint } from '../../src/train/overfit-verdict.js';
import { overfitVerdict } from '../../src/train/overfit-verdict.js';

/** [batch loss, batch correct of 50, held-out correct of 2000] at the start and after each epoch of 10 steps. */
const measure = (rows: ReadonlyArray<readonly [number, number, number]>) => ({
  batchSize: 50, heldOut: 2000,
  points: rows.map(([batchLoss, batchCorrect, heldOutCorrect], epoch): OverfitPoint => ({ epoch, steps: 10 * epoch, batchLoss, batchCorrect, heldOutCorrect })),
});

test('memorised: the batch reached 100%; the held-out accuracy that fell by 2 images says so in images', () => {
  // the defaults' run: held-out 1607 -> 1606 -> 1605 of 2000 printed 80.3% three times
  const v = overfitVerdict(measure([[11.3, 0, 0], [1.5, 27, 677], [0.36, 50, 1607], [0.18, 50, 1606], [0.1, 50, 1605]]));
  assert.equal(v.outcome, 'memorised');
  assert.deepEqual(v.message, [
    'sanity check passed: the batch of 50 was memorised, its accuracy 0.0% (0/50) at the start and 100% after 20 steps (epoch 2), still 100% at the end (loss 11.3000 at the start, 0.1000 after 40 steps)',
    'held-out accuracy: 0.0% (0/2000) at the start, 80.3% (1605/2000) at the end; it fell by 2 images from its peak 80.3% (1607/2000) after 20 steps (epoch 2)',
  ]);
  assert.equal(v.lines[2], 'epoch 2 (20 steps): batch loss 0.3600, batch accuracy 100.0% (50/50); held-out accuracy 80.3% (1607/2000)');
  assert.equal(v.lines[0], 'start (0 steps): batch loss 11.3000, batch accuracy 0.0% (0/50); held-out accuracy 0.0% (0/2000)');
});

test('memorised, then lost one image; the held-out accuracy ended at its peak', () => {
  const v = overfitVerdict(measure([[2, 10, 100], [0.5, 50, 200], [0.4, 49, 300]]));
  assert.equal(v.outcome, 'memorised');
  assert.match(v.message[0], /100% after 10 steps \(epoch 1\), 98\.0% \(49\/50\) at the end/);
  assert.equal(v.message[1], 'held-out accuracy: 5.0% (100/2000) at the start, 15.0% (300/2000) at the end; it ended at its peak (no fall)');
});

test('inconclusive: short of 100% while the loss was still falling (the 3-epoch config)', () => {
  const v = overfitVerdict(measure([[11.1184, 0, 0], [3.8243, 0, 0], [1.4565, 27, 82], [0.9804, 39, 117]]));
  assert.equal(v.outcome, 'inconclusive');
  assert.equal(v.message[0], 'sanity check inconclusive: in 30 steps the batch of 50 reached 78.0% (39/50) at best (0.0% (0/50) at the start, 78.0% (39/50) at the end), short of 100%, but its loss was still falling (loss 11.1184 at the start, 0.9804 after 30 steps): train more epochs before suspecting a bug');
  assert.doesNotMatch(v.message.join('\n'), /bug in the data/);
});

test('failed: the loss stopped falling short of 100%, and the lowest loss is named', () => {
  const v = overfitVerdict(measure([[2.3, 5, 200], [1.9, 20, 300], [2.0, 25, 310], [2.1, 22, 305]]));
  assert.equal(v.outcome, 'failed');
  assert.equal(v.message[0], 'sanity check FAILED: in 30 steps the batch of 50 reached 50.0% (25/50) at best, and its loss stopped falling (loss 2.3000 at the start, 2.1000 after 30 steps, lowest 1.9000 after 10 steps (epoch 1)): look for a bug in the data, the loss or the optimizer, or lower the lr');
  assert.equal(v.message[1], 'held-out accuracy: 10.0% (200/2000) at the start, 15.3% (305/2000) at the end; it fell by 5 images from its peak 15.5% (310/2000) after 20 steps (epoch 2)');
});

test('a loss that never fell is a failure even if it ends where it started', () => {
  assert.equal(overfitVerdict(measure([[2, 10, 0], [2, 10, 0]])).outcome, 'failed');
});

test('a batch already at 100% before any step passes, saying the check shows little', () => {
  const v = overfitVerdict(measure([[0.01, 50, 1900], [0.005, 50, 1900]]));
  assert.equal(v.outcome, 'memorised');
  assert.match(v.message[0], /^sanity check passed, but says little: the batch of 50 was already at 100% before any step/);
});
