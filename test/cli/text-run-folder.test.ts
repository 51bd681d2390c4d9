// `graft text --resume` reads its folder back before anything runs: the settings (with the backend), the finished
// runs and the metrics; every problem with its file and line at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { readTextRunFolder } from '../../src/cli/text-run-folder.js';
import { formatFileProblem } from '../../src/cli/files.js';
import { DEFAULT_TEXT_JOB } from '../../src/train/text/text-job.js';

const record = { epoch: 1, trainLoss: 0.6, trainAccuracy: 0.7, evalLoss: 0.5, evalAccuracy: 0.8, seconds: 3 };
const run = { method: 'full', seed: 1, testAccuracy: 0.9, testF1: 0.8, hardHamAccuracy: 0.5, seconds: 9, records: [record] };

test('a text run folder reads back: settings, backend, finished runs, metrics', () => {
  const dir = mkdtempSync(join(tmpdir(), 'graft-text-folder-'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...DEFAULT_TEXT_JOB, seeds: [4], backend: 'wasm' }));
  writeFileSync(join(dir, 'runs.jsonl'), `${JSON.stringify(run)}\n`);
  writeFileSync(join(dir, 'metrics.jsonl'), `${JSON.stringify({ method: 'full', seed: 1, ...record })}\n${JSON.stringify({ method: 'scheduled', seed: 1, ...record })}\n`);
  const f = readTextRunFolder(dir);
  assert.ok(E.isRight(f), E.isLeft(f) ? f.left.map(formatFileProblem).join('\n') : '');
  assert.deepEqual([f.right.config, f.right.backend, f.right.finished, f.right.metrics.length], [{ ...DEFAULT_TEXT_JOB, seeds: [4] }, 'wasm', [run], 2]);
});

test('a damaged text run folder: every problem with its file and line, at once', () => {
  const dir = mkdtempSync(join(tmpdir(), 'graft-text-folder-bad-'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...DEFAULT_TEXT_JOB, colour: 'red', backend: 'tpu' }));
  writeFileSync(join(dir, 'runs.jsonl'), `${JSON.stringify(run)}\n{"method": "lora", "seed": 1}\n`);
  writeFileSync(join(dir, 'metrics.jsonl'), '{not json\n');
  const f = readTextRunFolder(dir);
  assert.ok(E.isLeft(f));
  const lines = f.left.map(formatFileProblem).join('\n');
  for (const re of [/config\.json: backend: expected one of auto, webgpu, wasm, webasm, cpu, got "tpu"/, /config\.json: colour: not a setting of the text job/, /runs\.jsonl: line 2: .*lora/, /metrics\.jsonl: line 1: not JSON/]) assert.match(lines, re);
});
