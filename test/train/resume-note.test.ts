import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resumeNote } from '../../src/train/resume-note.js';

test('resumeNote says what a resumed run does: from its checkpoint, or from the start when it has none', () => {
  assert.equal(resumeNote('full seed 1', 6, 6), 'full seed 1: resuming after epoch 6');
  assert.equal(resumeNote('full seed 1', 6, 0), 'full seed 1: its checkpoint is missing; training it again from the start (epochs 1-6 in metrics.jsonl will be replaced)');
  assert.equal(resumeNote('full seed 1', 1, 0), 'full seed 1: its checkpoint is missing; training it again from the start (epoch 1 in metrics.jsonl will be replaced)');
  assert.equal(resumeNote('full seed 1', 6, 4), 'full seed 1: resuming after epoch 4, where its checkpoint is (epochs 5-6 in metrics.jsonl will be replaced)');
  assert.equal(resumeNote('full seed 1', 3, 4), 'full seed 1: resuming after epoch 4 (metrics.jsonl lacks epoch 4: numbers and time not recorded)');
});
