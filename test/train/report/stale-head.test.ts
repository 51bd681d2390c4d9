// The stale-head explanation, against hand-counted predictions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classCounts, classList, staleHead, staleHeadNote } from '../../../src/train/report/stale-head.js';

const OLD = [0, 1, 2, 3, 4];
const NEW = [5, 6, 7, 8, 9];

test('classCounts: how many predictions fell in each class, empty classes included', () => {
  assert.deepEqual(classCounts(Int32Array.of(3, 3, 0, 9, 3), 10), [1, 0, 0, 3, 0, 0, 0, 0, 0, 1]);
  assert.deepEqual(classCounts([], 3), [0, 0, 0]);
});

test('classList: a range for consecutive classes, else a list', () => {
  assert.equal(classList([4, 2, 3, 0, 1]), '0-4');
  assert.equal(classList([0, 2, 7]), '0, 2, 7');
  assert.equal(classList([5, 6]), '5, 6');
});

test('staleHead: predictions in the pre-training classes, of all', () => {
  assert.deepEqual(staleHead([10, 0, 5, 0, 0, 1, 0, 0, 0, 4], OLD), { stale: 15, total: 20 });
});

test('staleHeadNote: every prediction a pre-training class', () => {
  // the tiny config's test set: 200 images, all predicted as 0-4 after 6 steps
  assert.equal(staleHeadNote([39, 13, 45, 49, 54, 0, 0, 0, 0, 0], { pretrained: OLD, tested: NEW, steps: 6 }),
    'all 200 test predictions are still pre-training classes 0-4, while the test images are 5-9: 6 optimizer steps did not let the new head take over (train more steps: more epochs, more labelled images or a smaller batch)');
});

test('staleHeadNote: most predictions stale gives the share and the count', () => {
  // 194 of 200 in 0-4: 97.0%
  const note = staleHeadNote([100, 94, 0, 0, 0, 6, 0, 0, 0, 0], { pretrained: OLD, tested: NEW, steps: 1 });
  assert.match(note ?? '', /^97\.0% of the 200 test predictions \(194\) are still pre-training classes 0-4, while the test images are 5-9: 1 optimizer step did not/);
});

test('staleHeadNote: nothing to explain when fewer than half are stale, or the old classes are tested too', () => {
  assert.equal(staleHeadNote([50, 49, 0, 0, 0, 101, 0, 0, 0, 0], { pretrained: OLD, tested: NEW, steps: 100 }), undefined, '99 of 200');
  assert.match(staleHeadNote([50, 50, 0, 0, 0, 100, 0, 0, 0, 0], { pretrained: OLD, tested: NEW, steps: 100 }) ?? '', /^50\.0% of the 200/, 'exactly half counts');
  assert.equal(staleHeadNote([200, 0, 0, 0, 0, 0, 0, 0, 0, 0], { pretrained: OLD, tested: [0, 5], steps: 6 }), undefined, 'class 0 is a test label: predicting it is no sign of a stale head');
  assert.equal(staleHeadNote(new Array(10).fill(0), { pretrained: OLD, tested: NEW, steps: 6 }), undefined, 'no predictions');
});
