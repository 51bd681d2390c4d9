import { test } from 'node:test';
import assert from 'node:assert/strict';
import { progressReporter } from '../../../src/train/report/progress.js';

const sink = (isTTY: boolean) => {
  const chunks: string[] = [];
  const stream = { isTTY, columns: 120, write: (s: string) => (chunks.push(String(s)), true), on: () => stream, once: () => stream, removeListener: () => stream };
  return { stream: stream as unknown as NodeJS.WritableStream & { isTTY?: boolean }, text: () => chunks.join('') };
};

test('not a TTY: plain lines every `every` steps and at done, with epoch, loss and elapsed', () => {
  const out = sink(false);
  let ms = 0;
  const p = progressReporter({ total: 6, label: 'full seed 1', epochs: 3, every: 2, stream: out.stream, now: () => ms });
  for (let s = 0; s < 5; s++) {
    ms += 500;
    p.tick({ epoch: Math.floor(s / 2) + 1, loss: 1 / (s + 1) });
  }
  p.done();
  p.tick({ loss: 9 });        // ignored after done
  p.done();
  assert.equal(out.text(), [
    'full seed 1: step 2/6 (33%) | epoch 1/3 | loss 0.5000 | 1.0 s',
    'full seed 1: step 4/6 (67%) | epoch 2/3 | loss 0.2500 | 2.0 s',
    'full seed 1: step 5/6 (83%) | epoch 3/3 | loss 0.2000 | 2.5 s',
    '',
  ].join('\n'));
  assert.ok(!out.text().includes('\x1b'), 'no terminal escapes');
});

test('not a TTY: default spacing gives about ten lines; no repeat at done; multi-step ticks', () => {
  const out = sink(false);
  const p = progressReporter({ total: 100, label: 'x', stream: out.stream, now: () => 0 });
  for (let s = 0; s < 50; s++) p.tick({ steps: 2 });
  p.done();
  const lines = out.text().trim().split('\n');
  assert.equal(lines.length, 10);
  assert.equal(lines[9], 'x: step 100/100 (100%) | 0.0 s');
});

test('not a TTY: done with no ticks still says so', () => {
  const out = sink(false);
  progressReporter({ total: 0, label: 'empty', stream: out.stream, now: () => 0 }).done();
  assert.equal(out.text(), 'empty: step 0/0 | 0.0 s\n');
});

test('a TTY: a cli-progress bar with steps, epoch and loss', () => {
  const out = sink(true);
  const p = progressReporter({ total: 4, label: 'train', epochs: 2, stream: out.stream, now: () => 0 });
  for (let s = 0; s < 4; s++) p.tick({ epoch: (s >> 1) + 1, loss: 0.125 });
  p.done();
  const text = out.text();
  assert.match(text, /train \[[^\]]*\] 4\/4 steps \| epoch 2\/2 \| loss 0\.1250 \| 0\.0 s/);
  assert.ok(text.includes('\x1b'), 'drawn with terminal escapes');
});
