import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from 'fp-ts/lib/Either.js';
import { decodeFinetuneConfig } from '../../src/train/finetune-config.js';
import { DEFAULT_JOB, mnistDataSizes } from '../../src/train/mnist-job.js';

// the mnist package's digits: 5131 images of 0-4 (500 of them kept for pre-training's evaluation), 4869 of 5-9
const DATA = { pretrain: 4631, finetune: 4869 };
const yaml = (text: string, data = DATA) => decodeFinetuneConfig(text, 'yaml', data);
const messages = (r: E.Either<Array<{ path: string; message: string }>, unknown>) => (E.isLeft(r) ? r.left.map((p) => `${p.path}: ${p.message}`) : []);

test('the data sizes the checks use are the mnist package\'s', () => {
  assert.deepEqual(mnistDataSizes(), DATA);
});

test('given fields override the embedded defaults; a file that sets nothing is refused', () => {
  const c = decodeFinetuneConfig('{"lr": 0.01, "methods": ["full"], "seeds": [7]}', 'json', DATA);
  assert.deepEqual(c, E.right({ ...DEFAULT_JOB, methods: ['full'], seeds: [7], lr: 0.01 }));
  assert.deepEqual(E.map((r: object) => Object.keys(r).length)(yaml('hidden: 64\n')), E.right(Object.keys(DEFAULT_JOB).length + 1));
  for (const [text, format] of [['', 'yaml'], ['\n  \n', 'json'], ['# nothing yet\n', 'yaml'], ['{}', 'json'], ['{}', 'yaml']] as const) {
    const r = decodeFinetuneConfig(text, format, DATA);
    assert.ok(E.isLeft(r) && /^\(file\): (the file is empty|sets nothing): expected at least one setting/.test(messages(r)[0]), `${JSON.stringify(text)}: ${messages(r)}`);
  }
  assert.deepEqual(messages(yaml('{}')), ['(file): sets nothing: expected at least one setting (`graft mnist` runs the defaults)']);
});

test('every problem at once, each with its path and what was expected', () => {
  const r = yaml('hidden: 0\nlr: "fast"\nseeds: [1, -2]\nmethods: [full, magic]\nreserveP: 1.5\nbatchsize: 10\n');
  const got = messages(r);
  for (const want of [/^batchsize: unknown key/, /^hidden: expected integer >= 1, got 0$/, /^lr: expected number > 0, got "fast"$/, /^seeds\[1\]: expected integer seed/, /^methods\[1\]: expected full \| scheduled \| child-tuning-F \| child-tuning-D, got "magic"$/, /^reserveP: expected number in \(0, 1\], got 1\.5$/]) {
    assert.ok(got.some((g) => want.test(g)), `${want} in\n${got.join('\n')}`);
  }
  assert.equal(got.length, 6);
});

test('duplicate keys, bad syntax and cross-field rules are problems too', () => {
  assert.deepEqual(messages(yaml('lr: 0.1\nlr: 0.2\n')), ['line 2, column 1: not valid YAML: Map keys must be unique']);
  const cross = yaml('labelled: 10\nbatchSize: 20\nfinetuneEpochs: 2\nheadEpochs: 3\nseeds: []\n');
  assert.ok(E.isLeft(cross));
  assert.deepEqual(cross.left.map((p) => p.path), ['batchSize', 'headEpochs', 'seeds']);
  assert.deepEqual(messages(yaml('seeds: [3, 1, 3, 1, 2]\nmethods: [full, full]\n')), [
    'seeds: seed 3 is given more than once in [3, 1, 3, 1, 2]: expected distinct seeds (each is one run per method)',
    'seeds: seed 1 is given more than once in [3, 1, 3, 1, 2]: expected distinct seeds (each is one run per method)',
    'methods: full is given more than once in [full, full]: expected distinct methods',
  ]);
});

test('sizes are checked against the data: nothing is clamped, and training keeps at least one image', () => {
  const data = { pretrain: 60, finetune: 50 };
  const sizes = (heldOut: number, validation: number, labelled: number, batchSize = 1) => messages(yaml(`heldOut: ${heldOut}\nvalidation: ${validation}\nlabelled: ${labelled}\nbatchSize: ${batchSize}\n`, data));
  const pool = 'the data has 50 images of digits 5-9 for the held-out, validation and labelled sets together';
  assert.deepEqual(sizes(10, 10, 30), []);
  assert.deepEqual(sizes(48, 1, 1), []);
  assert.deepEqual(sizes(49, 1, 1), [`heldOut: 49 held-out images asked for, but ${pool}, and validation and training need one each: at most 48`]);
  assert.deepEqual(sizes(100000, 1, 1), [`heldOut: 100000 held-out images asked for, but ${pool}, and validation and training need one each: at most 48`]);
  assert.deepEqual(sizes(10, 40, 1), [`validation: 40 validation images asked for would leave no images to train on: 40 remain after the 10 held out (${pool}): at most 39`]);
  assert.deepEqual(sizes(10, 10, 31), [`labelled: 31 labelled images asked for, but only 30 remain after the 10 held out and the 10 for validation (${pool}): at most 30`]);
  assert.deepEqual(sizes(1, 1, 48, 61), ['batchSize: batch of 61 is larger than the 48 labelled images', 'batchSize: batch of 61 is larger than the 60 images of digits 0-4 pre-training trains on']);
});
