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
  for (const want of [/^batchsize: unknown key/, /^hidden: expected integer in \[1, 2739137\] \(the 784 × hidden first-layer weights are one tensor, at most 2\^31 - 1 elements\), got 0$/, /^lr: expected number > 0, got "fast"$/, /^seeds\[1\]: expected integer seed/, /^methods\[1\]: expected full \| scheduled \| child-tuning-F \| child-tuning-D, got "magic"$/, /^reserveP: expected number in \(0, 1\], got 1\.5$/]) {
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
  assert.deepEqual(sizes(49, 1, 1), [`heldOut: 49 held-out images asked for, but ${pool}: at most 48 with validation 1 and labelled 1`]);
  assert.deepEqual(sizes(100000, 1, 1), [`heldOut: 100000 held-out images asked for, but ${pool}: at most 48 with validation 1 and labelled 1`]);
  // 51 asked for: either of the two that can shrink fixes it; labelled is at its least already
  assert.deepEqual(sizes(10, 40, 1), [`heldOut: 10 held-out images asked for, but ${pool}: at most 9 with validation 40 and labelled 1`, `validation: 40 validation images asked for, but ${pool}: at most 39 with heldOut 10 and labelled 1`]);
  assert.deepEqual(sizes(10, 10, 31).slice(2), [`labelled: 31 labelled images asked for, but ${pool}: at most 30 with heldOut 10 and validation 10`]);
  assert.deepEqual(sizes(10000, 1000, 1000).map((m) => m.replace(/ images asked for.*: none fit with/, ': none fit with')), ['heldOut: 10000 held-out: none fit with validation 1000 and labelled 1000', 'validation: 1000 validation: none fit with heldOut 10000 and labelled 1000', 'labelled: 1000 labelled: none fit with heldOut 10000 and validation 1000']);
  assert.deepEqual(sizes(1, 1, 48, 61), ['batchSize: batch of 61 is larger than the 48 labelled images', 'batchSize: batch of 61 is larger than the 60 images of digits 0-4 pre-training trains on']);
});

// the user set heldOut: 100000, was told "at most 4867", then heldOut: 4867 failed on validation; heldOut: 4000 blamed labelled
test('a size limit counts the other sets as configured, names their defaults, and blames only the keys the file set', () => {
  const pool = 'the data has 4869 images of digits 5-9 for the held-out, validation and labelled sets together';
  assert.deepEqual(messages(yaml('heldOut: 100000\n')), [`heldOut: 100000 held-out images asked for, but ${pool}: at most 3869 with the default validation 500 and labelled 500`]);
  assert.deepEqual(messages(yaml('heldOut: 3869\n')), []);
  assert.deepEqual(messages(yaml('heldOut: 4000\n')), [`heldOut: 4000 held-out images asked for, but ${pool}: at most 3869 with the default validation 500 and labelled 500`]);
  // lowering labelled alone cannot fit (the default heldOut and validation 3000 leave none): validation is the one to lower
  assert.deepEqual(messages(yaml('validation: 3000\nlabelled: 400\n')), [`validation: 3000 validation images asked for, but ${pool}: at most 2469 with the default heldOut 2000 and labelled 400`]);
});

// the user saw only the lr problem, then only the seeds one: the cross-field checks waited for the types to be right
test('type problems and cross-field problems come together: the checks run on the keys that decoded, defaults for the rest', () => {
  const pool = 'the data has 4869 images of digits 5-9 for the held-out, validation and labelled sets together';
  assert.deepEqual(messages(yaml('heldOut: 100000\nvalidation: 5000\nlabelled: 100000\nseeds: [1, 1]\nlr: -1\n')), [
    'lr: expected number > 0, got -1',
    'seeds: seed 1 is given more than once in [1, 1]: expected distinct seeds (each is one run per method)',
    `heldOut: 100000 held-out images asked for, but ${pool}: none fit with validation 5000 and labelled 100000`,
    `validation: 5000 validation images asked for, but ${pool}: none fit with heldOut 100000 and labelled 100000`,
    `labelled: 100000 labelled images asked for, but ${pool}: none fit with heldOut 100000 and validation 5000`,
  ]);
  const got = messages(yaml('learningRate: 0.1\nlr: 0\nseeds: [1, 1]\nheldOut: -5\n'));
  assert.deepEqual(got.map((m) => m.split(':')[0]), ['learningRate', 'heldOut', 'lr', 'seeds']);
});

// `finetuneEpochs: 2` with `methods: [full]` was refused on headEpochs, which neither the user nor the method set
test('headEpochs is checked only when the scheduled method runs, and a default that does not fit is named as one', () => {
  assert.ok(E.isRight(yaml('finetuneEpochs: 2\nmethods: [full]\n')));
  assert.ok(E.isRight(yaml('finetuneEpochs: 2\nheadEpochs: 5\nmethods: [full, child-tuning-F]\n')));
  assert.deepEqual(messages(yaml('finetuneEpochs: 2\n')), ['finetuneEpochs: 2 fine-tuning epochs are fewer than the default headEpochs 3 the scheduled method trains the head alone for: set headEpochs to at most 2, or leave scheduled out of methods']);
  assert.deepEqual(messages(yaml('headEpochs: 11\nmethods: [scheduled]\n')), ['headEpochs: 11 head epochs exceed the default 10 fine-tuning epochs of the scheduled method: at most 10']);
  assert.ok(E.isRight(yaml('finetuneEpochs: 2\nheadEpochs: 2\n')));
});

// `hidden: 100000000` printed the run header, then `Invalid typed array length`, and left a run folder
test('hidden is bounded by the backend\'s elements a tensor: the first layer\'s weights and the widest set\'s activations', () => {
  assert.equal(Math.floor((2 ** 31 - 1) / 784), 2739137);
  assert.deepEqual(messages(yaml('hidden: 100000000\n')), ['hidden: expected integer in [1, 2739137] (the 784 × hidden first-layer weights are one tensor, at most 2^31 - 1 elements), got 100000000']);
  const gpujs = '2^24 on gpu.js, whose kernels index in f32; the wasm and webgpu backends take more';
  // 2^24 / 2000 held-out rows = 8388.6
  assert.deepEqual(messages(yaml('hidden: 8389\nbackend: webasm\n')), [`hidden: 8389 hidden units × 2000 images at once (the default heldOut 2000) are 16778000 activations, over the 16777216 elements a tensor may have on webasm (${gpujs}): at most 8388`]);
  assert.ok(E.isRight(yaml('hidden: 8388\nbackend: cpu\n')));
  // past 2^24 is fine on wasm and webgpu (what gpu.js refused before)
  assert.ok(E.isRight(yaml('hidden: 8389\nbackend: wasm\n')));
  assert.ok(E.isRight(yaml('hidden: 8389\n')));
  assert.ok(E.isRight(yaml('hidden: 21399\nheldOut: 400\nvalidation: 300\nbackend: webasm\n')));
  // the first layer's weights are the widest tensor when fewer than 784 rows are evaluated at once: 784 · 21400 > 2^24
  assert.deepEqual(messages(yaml('hidden: 21400\nheldOut: 400\nvalidation: 300\nbackend: cpu\n')), [`hidden: 784 × 21400 first-layer weights are 16777600 elements, over the 16777216 elements a tensor may have on cpu (${gpujs}): at most 21399`]);
  assert.deepEqual(messages(yaml('hidden: 20000\nbatchSize: 900\nheldOut: 300\nvalidation: 300\nlabelled: 1000\nbackend: webasm\n')), [`hidden: 20000 hidden units × 900 images at once (batchSize 900) are 18000000 activations, over the 16777216 elements a tensor may have on webasm (${gpujs}): at most 18641`]);
  // wasm: 2^29 / 2000 = 268435.4
  assert.deepEqual(messages(yaml('hidden: 268436\nbackend: wasm\n')), ['hidden: 268436 hidden units × 2000 images at once (the default heldOut 2000) are 536872000 activations, over the 536870912 elements a tensor may have on wasm (2^29 on wasm: 2 GiB, the largest block of 4 GiB wasm32 memory; the webgpu backend may take more): at most 268435']);
  assert.deepEqual(messages(yaml('hidden: 1073742\n')), ["hidden: 1073742 hidden units × 2000 images at once (the default heldOut 2000) are 2147484000 activations, over the 2147483647 elements a tensor may have (2^31 - 1, graft's i32 indices; webgpu's adapter binds less, checked when a plan loads): at most 1073741"]);
});

// the user saw io-ts's `expected Partial<{| hidden: ... |}>, got [1,2]`
test('a top level that is not a mapping is named as what it is', () => {
  const keys = 'hidden, pretrainEpochs, finetuneEpochs, labelled, validation, heldOut, batchSize, stepsPerCall, lr, reserveP, seeds, headEpochs, methods, backend, out';
  assert.deepEqual(messages(yaml('- 1\n- 2\n')), [`(file): expected a mapping of settings (${keys}), got a list`]);
  assert.deepEqual(messages(decodeFinetuneConfig('[1, 2]', 'json', DATA)), [`(file): expected a mapping of settings (${keys}), got a list`]);
  assert.deepEqual(messages(yaml('42\n')), [`(file): expected a mapping of settings (${keys}), got a number (42)`]);
  assert.deepEqual(messages(yaml('hidden\n')), [`(file): expected a mapping of settings (${keys}), got a string ("hidden")`]);
});
