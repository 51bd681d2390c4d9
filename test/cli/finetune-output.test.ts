// What `graft finetune` tells a new user about a small run: epochs numbered from 1 in every output, a
// score made of pre-training classes explained from the run's own predictions, the overfit check's numbers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFinetune } from '../../src/cli/finetune.js';
import { RUN_FILES } from '../../src/cli/run-folder.js';

test('a 3-epoch config: epochs 1-3 in metrics.jsonl, runs.jsonl, results.md and the overfit output; the 0% score explained', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'graft-first-hour-'));
  const out = join(dir, 'runs');
  const file = join(dir, 'small.yaml');
  // 100 labelled images in batches of 50 for 3 epochs: 6 steps; the scheduled head trains alone all 3 epochs
  writeFileSync(file, `hidden: 16\npretrainEpochs: 1\nfinetuneEpochs: 3\nheadEpochs: 3\nlabelled: 100\nvalidation: 100\nheldOut: 200\nbatchSize: 50\nseeds: [1]\nmethods: [full, scheduled]\nbackend: webasm\nout: ${JSON.stringify(out)}\n`);
  const log: string[] = [];
  assert.equal(await runFinetune(file, {}, (l) => log.push(l)), 0, log.join('\n'));
  const folder = join(out, readdirSync(out).find((f) => f !== 'cache')!);
  const jsonl = (name: string) => readFileSync(join(folder, name), 'utf8').trim().split('\n').map((l) => JSON.parse(l));

  const metrics = jsonl(RUN_FILES.metrics) as Array<{ method: string; epoch: number }>;
  for (const m of ['full', 'scheduled']) assert.deepEqual(metrics.filter((l) => l.method === m).map((l) => l.epoch), [1, 2, 3], m);
  const runs = jsonl(RUN_FILES.runs) as Array<{ method: string; testAccuracy: number; records: Array<{ epoch: number }>; predictedClasses: number[]; steps: number }>;
  for (const r of runs) assert.deepEqual(r.records.map((e) => e.epoch), [1, 2, 3], r.method);
  const report = readFileSync(join(folder, 'results.md'), 'utf8');
  const epochRows = (method: string) => report.split(`### ${method}`)[1].split('###')[0].split('\n').filter((l) => /^\| \d+ \|/.test(l)).map((l) => Number(l.split('|')[1]));
  assert.deepEqual(epochRows('full'), [1, 2, 3]);
  assert.deepEqual(epochRows('scheduled'), [1, 2, 3]);
  assert.match(report, /the head alone, then everything from epoch 4 or when/, 'headEpochs 3: epochs 1-3 are the head\'s');

  // the scheduled head never thawed in 3 epochs: said in words
  assert.match(log.join('\n'), /scheduled\s+seed 1: test accuracy [\d.]+% in [\d.]+ s \(the rest never thawed: the head trained alone; stopped: max epochs 3 reached\)/);

  // the explanation appears exactly for the runs whose test predictions are mostly 0-4, with their numbers
  for (const r of runs) {
    assert.equal(r.steps, 6);
    const total = r.predictedClasses.reduce((a, b) => a + b, 0);
    const stale = r.predictedClasses.slice(0, 5).reduce((a, b) => a + b, 0);
    assert.equal(total, 200, 'one prediction per test image');
    assert.ok(r.testAccuracy <= (total - stale) / total + 1e-7, 'a prediction of 0-4 is never right on 5-9');
    // the line under the run's own line, when it is a note
    const next = log[log.findIndex((l) => l.startsWith(`${r.method} `)) + 1];
    const line = next.includes('test predictions') ? next : undefined;
    if (2 * stale >= total) {
      assert.ok(line, `${r.method}: ${stale} of ${total} predictions are 0-4, the log says why: ${log.join('\n')}`);
      assert.ok(line.includes(stale === total ? `all ${total} test predictions are still pre-training classes 0-4` : `(${stale}) are still pre-training classes 0-4`), line);
      assert.ok(line.includes('6 optimizer steps'), line);
      assert.ok(report.includes(`- ${r.method} seed 1: `), 'results.md carries the note');
    } else assert.equal(line, undefined, r.method);
  }
  assert.ok(runs.some((r) => r.predictedClasses.slice(0, 5).reduce((a, b) => a + b, 0) >= 100), 'this config leaves the head stale: the note was checked, not skipped');

  // the overfit check on the same config: a start line, then epochs 1-3 of 10 steps, and the numbers behind its verdict
  const over: string[] = [];
  await runFinetune(file, { overfitBatch: true }, (l) => over.push(l));
  const steps = over.filter((l) => /^(start|epoch \d+) \(\d+ steps\)/.test(l)).map((l) => l.split(':')[0]);
  assert.deepEqual(steps, ['start (0 steps)', 'epoch 1 (10 steps)', 'epoch 2 (20 steps)', 'epoch 3 (30 steps)']);
  assert.match(over.join('\n'), /^sanity check (passed|inconclusive|FAILED)[^\n]*batch of 50/m);
  assert.match(over.join('\n'), /^held-out accuracy: [\d.]+% \(\d+\/200\) at the start/m);
  rmSync(dir, { recursive: true, force: true });
});
