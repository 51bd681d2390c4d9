// `graft finetune --config` with a model: a user's HF BERT folder fine-tuned on their JSONL/CSV text (a real
// process), the fine-tuned model written as an HF folder graft reads back; a config with problems in every part
// (keys, data lines, labels, schedule, sizes) gets them all at once and runs nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as E from 'fp-ts/lib/Either.js';
import { runGraft, startGraft } from './graft-process.js';
import { loadHfBert } from '../../src/train/hf/index.js';
import { PRETRAIN_KEYS } from '../../src/train/text/builtin-models.js';
import { TINY } from './text-tiny.js';

const MODEL = fileURLToPath(new URL('../train/hf/fixtures/hf-bert-f32', import.meta.url));
// the fixture's 20-word vocabulary: cats are pos, dogs neg, mats neutral
const lines = (n: number) => Array.from({ length: n }, (_, i) => [{ text: 'the cat sat', label: 'pos' }, { text: 'a big dog ran', label: 'neg' }, { text: 'red mats', label: 'neutral' }][i % 3]);

test('a text config: the folder fine-tuned on JSONL and CSV data, exported with its tokenizer', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'graft-text-ft-'));
  writeFileSync(join(dir, 'train.jsonl'), lines(24).map((l) => JSON.stringify(l)).join('\n'));
  writeFileSync(join(dir, 'eval.csv'), ['text,label', ...lines(6).map((l) => `"${l.text}",${l.label}`)].join('\n'));
  writeFileSync(join(dir, 'task.yaml'), `model: ${JSON.stringify(MODEL)}\ntrain: train.jsonl\neval: eval.csv\nmethod: full\nepochs: 3\nbatchSize: 8\nlr: 0.01\nseqLength: 7\nout: runs\n`);
  const r = await runGraft(['finetune', '--config', join(dir, 'task.yaml')], { cwd: dir, env: { GRAFT_BACKEND: 'wasm' } });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /full on 24 examples of .*hf-bert-f32 \(labels neg, neutral, pos\)/);
  const runs = join(dir, 'runs');
  const [run] = readdirSync(runs);
  const metrics = readFileSync(join(runs, run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(metrics.map((m) => m.epoch), [1, 2, 3]);
  const exported = join(runs, run, 'model');
  assert.ok(existsSync(join(exported, 'tokenizer.json')));
  const back = loadHfBert(exported);
  assert.ok(E.isRight(back), E.isLeft(back) ? JSON.stringify(back.left) : '');
  assert.deepEqual(back.right.labels, ['neg', 'neutral', 'pos']);
  const original = loadHfBert(MODEL);
  assert.ok(E.isRight(original));
  assert.notDeepEqual(back.right.params['classifier.weight'], original.right.params['classifier.weight'], 'trained');
  // the image comparison's options and resume do not apply to a text config: each refused as a usage error, nothing run
  for (const [args, pattern] of [
    [['--config', join(dir, 'task.yaml'), '--shards', '2'], /--shards: applies to image \(MNIST\) configs; .*task\.yaml is a text config/],
    [['--config', join(dir, 'task.yaml'), '--overfit-batch'], /--overfit-batch: applies to image \(MNIST\) configs/],
    [['--resume', join(runs, run)], /--resume: .* is the run of a text config, which does not resume: run graft finetune --config <your file> again/],
  ] as const) {
    const refused = await runGraft(['finetune', ...args], { cwd: dir, env: { GRAFT_BACKEND: 'wasm' } });
    assert.equal(refused.code, 2, refused.stdout + refused.stderr);
    assert.match(refused.stderr, pattern);
  }
  assert.deepEqual(readdirSync(runs), [run], 'no other run folder');
});

test('a text config stopped by Ctrl-C: the run folder named, and how to start again (its runs do not resume)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'graft-text-ft-stop-'));
  writeFileSync(join(dir, 'train.jsonl'), lines(24).map((l) => JSON.stringify(l)).join('\n'));
  writeFileSync(join(dir, 'eval.csv'), ['text,label', ...lines(6).map((l) => `"${l.text}",${l.label}`)].join('\n'));
  writeFileSync(join(dir, 'task.yaml'), `model: ${JSON.stringify(MODEL)}\ntrain: train.jsonl\neval: eval.csv\nmethod: full\nepochs: 400\nbatchSize: 8\nlr: 0.01\nseqLength: 7\nout: runs\n`);
  const p = startGraft(['finetune', '--config', join(dir, 'task.yaml')], { cwd: dir, env: { GRAFT_BACKEND: 'wasm' } });
  while (!/outputs in/.test(p.stdout())) await new Promise((r) => setTimeout(r, 50));
  p.child.kill('SIGINT');
  const r = await p.exited;
  assert.equal(r.code, 130, r.stdout + r.stderr);
  const [run] = readdirSync(join(dir, 'runs'));
  assert.match(r.stdout, new RegExp(`graft: stopped; runs/${run} holds the settings and the epochs done \\(metrics\\.jsonl\\)\\. A text config's run does not resume: run graft finetune --config .*task\\.yaml again\\.`));
  assert.ok(!existsSync(join(dir, 'runs', run, 'model')), 'no model written');
});

test('a text config naming the built-in spam-assassin set: its seed\'s labelled mails, a ham/spam head, exported', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'graft-text-ft-data-'));
  writeFileSync(join(dir, 'task.yaml'), `model: ${JSON.stringify(MODEL)}\ndata: spam-assassin\nlabelled: 16\nheldOut: 24\nepochs: 1\nbatchSize: 8\nseqLength: 7\nout: runs\n`);
  const r = await runGraft(['finetune', '--config', join(dir, 'task.yaml')], { cwd: dir, env: { GRAFT_BACKEND: 'wasm' } });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /full on 16 examples of .*hf-bert-f32 \(labels ham, spam\)/);
  const runs = join(dir, 'runs');
  const [run] = readdirSync(runs);
  const back = loadHfBert(join(runs, run, 'model'));
  assert.ok(E.isRight(back), E.isLeft(back) ? JSON.stringify(back.left) : '');
  assert.deepEqual(back.right.labels, ['ham', 'spam']);
});

test('a text config with problems everywhere: all named at once, nothing run', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'graft-text-ft-bad-'));
  writeFileSync(join(dir, 'train.jsonl'), '{"text": "the cat", "label": "pos"}\n{"text": "", "label": "neg"}\n{"text": "a dog", "label": "angry"}\n{"body": "x", "label": "pos"}\n');
  writeFileSync(join(dir, 'eval.csv'), Buffer.from([0x74, 0x65, 0x78, 0x74, 0xff, 0x0a]));
  writeFileSync(join(dir, 'schedule.yaml'), '0:\n  params:\n    - classifier.weight\n1:\n  params:\n    - no.such.param\n');
  writeFileSync(join(dir, 'task.yaml'), `model: ${JSON.stringify(MODEL)}\ntrain: train.jsonl\neval: eval.csv\nmethod: scheduled\nschedule: schedule.yaml\nseqLength: 64\nbatchSize: 2\ncolour: red\nout: runs\n`);
  const r = await runGraft(['finetune', '--config', join(dir, 'task.yaml')], { cwd: dir });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  const errors = r.stdout.split('\n').filter((l) => l.startsWith('error: '));
  const has = (re: RegExp) => assert.ok(errors.some((e) => re.test(e)), `${re}\n${errors.join('\n')}`);
  has(/task\.yaml: colour: unknown key/);
  has(/task\.yaml: seqLength: 64 tokens, more than the model's 7 positions/);
  has(/train\.jsonl: line 2: column "text": expected a non-empty text/);
  has(/train\.jsonl: line 3: column "label": "angry" is not one of the model's labels \(neg, neutral, pos\)/);
  has(/train\.jsonl: line 4: column "text": missing/);
  has(/eval\.csv: \(file\): not UTF-8 text/);
  has(/schedule\.yaml: .*no\.such\.param/);
  assert.ok(!existsSync(join(dir, 'runs')), 'no run folder');
});

test('a text config naming the built-in model text-bert: built as graft text builds it (same cache), then fine-tuned; graft text then finds it cached', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'graft-text-ft-builtin-'));
  const pretrain = Object.fromEntries(Object.entries(TINY).filter(([k]) => (PRETRAIN_KEYS as readonly string[]).includes(k)));
  writeFileSync(join(dir, 'task.yaml'), `model: text-bert\npretrain: ${JSON.stringify(pretrain)}\ndata: spam-assassin\nlabelled: 16\nheldOut: 24\nepochs: 1\nbatchSize: 8\nseqLength: 32\nout: runs\n`);
  const r = await runGraft(['finetune', '--config', join(dir, 'task.yaml')], { cwd: dir, env: { GRAFT_BACKEND: 'wasm' } });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /text-bert is not in runs\/cache yet: building it as graft text does/);
  assert.match(r.stdout, /WordPiece vocabulary of 300 trained on 300 Brown sentences/);
  const [cache] = readdirSync(join(dir, 'runs', 'cache'));
  assert.match(r.stdout, new RegExp(`full on 16 examples of runs/cache/${cache} \\(labels ham, spam\\)`));
  const [run] = readdirSync(join(dir, 'runs')).filter((f) => f !== 'cache');
  const back = loadHfBert(join(dir, 'runs', run, 'model'));
  assert.ok(E.isRight(back), E.isLeft(back) ? JSON.stringify(back.left) : '');
  assert.deepEqual([back.right.labels, back.right.config.numHiddenLayers, back.right.config.hiddenSize], [['ham', 'spam'], 1, 16]);
  // graft text with the same pre-training settings reads the folder the config built: one cache key for both
  writeFileSync(join(dir, 'tiny.json'), JSON.stringify({ ...TINY, methods: ['full'], finetuneEpochs: 1 }));
  const text = await runGraft(['text', '--backend', 'wasm', '--settings', 'tiny.json'], { cwd: dir });
  assert.equal(text.code, 0, text.stdout + text.stderr);
  assert.match(text.stdout, new RegExp(`pre-trained BERT: runs/cache/${cache} \\(cached\\)`));
  assert.doesNotMatch(text.stdout, /WordPiece vocabulary of/);
  assert.deepEqual(readdirSync(join(dir, 'runs', 'cache')), [cache]);
});
