// `graft text` end to end at a reduced size, as a user runs it (a real process): it trains a tokenizer and an MLM
// BERT on Brown, caches them as a Hugging Face folder that graft's loader reads back, fine-tunes on SpamAssassin
// with the four methods, and writes the report; a second run reuses the cache and repeats a run's numbers exactly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { runGraft } from './graft-process.js';
import { loadHfBert } from '../../src/train/hf/index.js';
import { parseSchedule } from '../../src/optim/phases/index.js';
import { TINY } from './text-tiny.js';

const METHODS = ['full', 'scheduled', 'child-tuning-F', 'child-tuning-D'];

test('graft text at a reduced size: cache in HF format, four methods, report; the cache reused with the same numbers', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'graft-text-'));
  const out = join(dir, 'runs');
  writeFileSync(join(dir, 'tiny.json'), JSON.stringify(TINY));
  const first = await runGraft(['text', '--backend', 'wasm', '--out', out, '--settings', join(dir, 'tiny.json')], { cwd: dir });
  assert.equal(first.code, 0, first.stdout + first.stderr);
  assert.match(first.stdout, /WordPiece vocabulary of 300 trained on 300 Brown sentences/);
  const caches = readdirSync(join(out, 'cache'));
  assert.equal(caches.length, 1);
  const cache = join(out, 'cache', caches[0]);
  assert.deepEqual(readdirSync(cache).sort(), ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']);
  const config = JSON.parse(readFileSync(join(cache, 'config.json'), 'utf8'));
  assert.deepEqual([config.architectures, config.vocab_size, config.hidden_size, config.num_hidden_layers, config.max_position_embeddings], [['BertForMaskedLM'], 300, 16, 1, 32]);
  // graft's loader reads it as any HF checkpoint: the tokenizer fits the model; the MLM head is another task's
  const loaded = loadHfBert(cache, { labels: ['ham', 'spam'] });
  assert.ok(E.isRight(loaded), E.isLeft(loaded) ? JSON.stringify(loaded.left) : '');
  assert.ok(loaded.right.notes.some((n) => /not used \(another task's head\): cls\.predictions\.bias/.test(n)), loaded.right.notes.join('\n'));

  const [run] = readdirSync(out).filter((f) => f !== 'cache');
  const folder = join(out, run);
  for (const f of ['config.json', 'curves.svg', 'metrics.jsonl', 'runs.jsonl', 'schedule.yaml', 'results.md']) assert.ok(existsSync(join(folder, f)), f);
  const runs = readFileSync(join(folder, 'runs.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(runs.map((r) => r.method), METHODS);
  for (const r of runs) {
    assert.ok(r.testAccuracy >= 0 && r.testAccuracy <= 1 && r.testF1 >= 0 && r.testF1 <= 1, JSON.stringify(r));
    assert.deepEqual(r.records.map((e: { epoch: number }) => e.epoch), r.method === 'scheduled' ? r.records.map((_: unknown, i: number) => i + 1) : [1, 2]);
  }
  const report = readFileSync(join(folder, 'results.md'), 'utf8');
  for (const m of METHODS) assert.match(report, new RegExp(`\\| ${m} \\|`));
  assert.match(report, /## Spam F1 and hard ham/);
  // FTS's generated schedule merged by layer: the head (classifier first), the encoder layer, the embeddings, thawed by epochs 1 and 2
  const schedule = parseSchedule(readFileSync(join(folder, 'schedule.yaml'), 'utf8'));
  assert.ok(E.isRight(schedule));
  assert.deepEqual(schedule.right.map((p) => [p.params.length, p.max_transition_epoch]), [[4, 1], [16, 2], [5, -1]]);
  assert.deepEqual(schedule.right[0].params.slice(0, 2), ['classifier.bias', 'classifier.weight']);
  // a checkpoint per run: a file for fit's runs, last and best for the scheduled one
  assert.deepEqual(readdirSync(join(folder, 'checkpoints')).sort(), ['child-tuning-D-seed1.safetensors', 'child-tuning-F-seed1.safetensors', 'full-seed1.safetensors', 'scheduled-seed1']);

  // again, full only: the cached folder is used, and the run repeats its numbers bit for bit
  writeFileSync(join(dir, 'full.json'), JSON.stringify({ ...TINY, methods: ['full'] }));
  const second = await runGraft(['text', '--backend', 'wasm', '--out', out, '--settings', join(dir, 'full.json')], { cwd: dir });
  assert.equal(second.code, 0, second.stdout + second.stderr);
  assert.match(second.stdout, /pre-trained BERT: .*\(cached\)/);
  assert.doesNotMatch(second.stdout, /WordPiece vocabulary/);
  const again = readdirSync(out).filter((f) => f !== 'cache' && f !== run);
  const rerun = JSON.parse(readFileSync(join(out, again[0], 'runs.jsonl'), 'utf8').trim());
  const strip = (r: { seconds: number; records: Array<{ seconds: number }> }) => ({ ...r, seconds: 0, records: r.records.map((e) => ({ ...e, seconds: 0 })) });
  assert.deepEqual(strip(rerun), strip(runs[0]));
});

test('graft text --settings: every problem named at once, nothing run', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'graft-text-bad-'));
  writeFileSync(join(dir, 'bad.json'), JSON.stringify({ hidden: 10, heads: 3, finetuneSeq: 600, reserveP: 0, methods: ['full', 'lora'], colour: 'red', scheduleLayers: 'all', scheduleThawEpochs: -1, schedulePatience: 0 }));
  const r = await runGraft(['text', '--out', join(dir, 'runs'), '--settings', join(dir, 'bad.json')], { cwd: dir });
  assert.equal(r.code, 1);
  const errors = r.stdout.split('\n').filter((l) => l.startsWith('error: '));
  assert.deepEqual(errors.map((l) => l.split(': ')[2]), ['colour', 'schedulePatience', 'scheduleLayers', 'scheduleThawEpochs', 'reserveP', 'methods.1', 'heads', 'finetuneSeq']);
  assert.ok(!existsSync(join(dir, 'runs')), 'no run folder');
});
