import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from 'fp-ts/lib/Either.js';
import { decodeFinetuneConfig } from '../../src/train/finetune-config.js';
import { DEFAULT_JOB, METHODS } from '../../src/train/mnist-job.js';

test('an empty file is the embedded defaults; given fields override them', () => {
  assert.deepEqual(decodeFinetuneConfig(''), E.right({ ...DEFAULT_JOB, methods: METHODS }));
  const c = decodeFinetuneConfig('{"lr": 0.01, "methods": ["full"], "seeds": [7]}');
  assert.ok(E.isRight(c));
  assert.equal(c.right.lr, 0.01);
  assert.deepEqual(c.right.methods, ['full']);
  assert.deepEqual(c.right.seeds, [7]);
  assert.equal(c.right.hidden, DEFAULT_JOB.hidden);
});

test('every problem at once, each with its path and what was expected', () => {
  const r = decodeFinetuneConfig('hidden: 0\nlr: "fast"\nseeds: [1, -2]\nmethods: [full, magic]\nreserveP: 1.5\nbatchsize: 10\n');
  assert.ok(E.isLeft(r));
  const got = r.left.map((p) => `${p.path}: ${p.message}`);
  for (const want of [/^batchsize: unknown key/, /^hidden: expected integer >= 1, got 0$/, /^lr: expected number > 0, got "fast"$/, /^seeds\[1\]: expected integer seed/, /^methods\[1\]: expected full \| scheduled \| child-tuning-F \| child-tuning-D, got "magic"$/, /^reserveP: expected number in \(0, 1\], got 1\.5$/]) {
    assert.ok(got.some((g) => want.test(g)), `${want} in\n${got.join('\n')}`);
  }
  assert.equal(got.length, 6);
});

test('duplicate keys, bad syntax and cross-field rules are problems too', () => {
  const dup = decodeFinetuneConfig('lr: 0.1\nlr: 0.2\n');
  assert.ok(E.isLeft(dup) && /not valid YAML or JSON: .*[Uu]nique|duplicate/i.test(dup.left[0].message), JSON.stringify(dup));
  const cross = decodeFinetuneConfig('labelled: 10\nbatchSize: 20\nfinetuneEpochs: 2\nheadEpochs: 3\nseeds: []\n');
  assert.ok(E.isLeft(cross));
  assert.deepEqual(cross.left.map((p) => p.path), ['batchSize', 'headEpochs', 'seeds']);
});
