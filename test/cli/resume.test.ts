// `graft finetune --resume <run-dir>`: a comparison stopped between runs, or after a run's last checkpoint but before
// it was recorded, finishes with the same results as one that never stopped; a damaged folder is refused up front.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFinetune } from '../../src/cli/finetune.js';
import * as E from 'fp-ts/lib/Either.js';
import { resumeComparison, runMnistCommand } from '../../src/cli/mnist.js';
import { RUN_FILES, readRunFolder } from '../../src/cli/run-folder.js';

const runs = (dir: string) => readFileSync(join(dir, RUN_FILES.runs), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { method: string; seed: number; testAccuracy: number; seconds: number; records: Array<Record<string, number>> });
const withoutTimes = (rs: ReturnType<typeof runs>) => rs.map(({ method, seed, testAccuracy, records }) => ({ method, seed, testAccuracy, records: records.map(({ seconds, ...r }) => r) }));
const runFolder = (out: string) => join(out, readdirSync(out).find((f) => f !== 'cache')!);

test('a stopped comparison resumes to the same results', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'graft-resume-'));
  const config = (out: string) => {
    const file = join(dir, `${out}.yaml`);
    writeFileSync(file, `hidden: 16\npretrainEpochs: 1\nfinetuneEpochs: 5\nheadEpochs: 2\nlabelled: 100\nvalidation: 100\nheldOut: 200\nbatchSize: 25\nlr: 0.003\nseeds: [1]\nmethods: [full, scheduled, child-tuning-F]\nbackend: webasm\nout: ${JSON.stringify(join(dir, out))}\n`);
    return file;
  };
  const quiet = () => undefined;

  // the reference: never stopped
  assert.equal(await runFinetune(config('straight'), {}, quiet), 0);
  const straight = runFolder(join(dir, 'straight'));
  const want = withoutTimes(runs(straight));
  assert.deepEqual(want.map((r) => r.method), ['full', 'scheduled', 'child-tuning-F']);

  // stopped after the first run finished (the line announcing it throws, as a kill would land there)
  await assert.rejects(runFinetune(config('stopped'), {}, (l) => {
    if (/^full\s+seed 1: test accuracy/.test(l)) throw new Error('killed');
  }), /killed/);
  const stopped = runFolder(join(dir, 'stopped'));
  assert.equal(runs(stopped).length, 1);
  const log: string[] = [];
  assert.equal(await resumeComparison(stopped, (l) => log.push(l)), 0, log.join('\n'));
  assert.match(log.join('\n'), /full\s+seed 1: finished before/);
  assert.deepEqual(withoutTimes(runs(stopped)), want);

  // stopped after the scheduled run's last checkpoint, before its result was recorded: it is not trained again
  const late = join(dir, 'late');
  cpSync(straight, late, { recursive: true });
  writeFileSync(join(late, RUN_FILES.runs), readFileSync(join(straight, RUN_FILES.runs), 'utf8').split('\n')[0] + '\n');
  const metrics = readFileSync(join(straight, RUN_FILES.metrics), 'utf8').split('\n').filter((l) => l && !l.includes('"child-tuning-F"'));
  writeFileSync(join(late, RUN_FILES.metrics), metrics.join('\n') + '\n');
  rmSync(join(late, RUN_FILES.checkpoints, 'child-tuning-F-seed1.safetensors'));
  // ...and lines child-tuning-F logged before a crash took its checkpoint: retrained from the start, they are replaced,
  // the one for an epoch this attempt does not reach (9 of 5) too
  const bogus = (epoch: number) => JSON.stringify({ method: 'child-tuning-F', seed: 1, epoch, trainLoss: 9, trainAccuracy: 0, evalLoss: 9, evalAccuracy: 0, seconds: 1 });
  writeFileSync(join(late, RUN_FILES.metrics), [...metrics, bogus(1), bogus(9)].join('\n') + '\n');
  // ...and the temporary file of a writer killed mid-write (pid above Linux's pid_max: no such process)
  const staleTemp = join(late, RUN_FILES.checkpoints, '.full-seed1.safetensors.4194305.0123abcd.tmp');
  writeFileSync(staleTemp, 'half');
  const lateLog: string[] = [];
  assert.equal(await resumeComparison(late, (l) => lateLog.push(l)), 0, lateLog.join('\n'));
  assert.match(lateLog.join('\n'), /scheduled\s+seed 1: resuming after epoch \d/);
  assert.equal(existsSync(staleTemp), false, 'the stale temporary file is removed');
  assert.match(lateLog.join('\n'), /child-tuning-F\s+seed 1: its checkpoint is missing; training it again from the start \(epochs 1-9 in metrics\.jsonl will be replaced\)/);
  // the scheduled run's time counts its epochs before the resume
  const scheduled = runs(late).find((r) => r.method === 'scheduled')!;
  assert.ok(scheduled.seconds >= scheduled.records.reduce((a, r) => a + r.seconds, 0), JSON.stringify(scheduled));
  assert.deepEqual(withoutTimes(runs(late)), want);
  const lines = (d: string) => readFileSync(join(d, RUN_FILES.metrics), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const keyed = (d: string) => lines(d).map(({ seconds, ...l }) => l).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  assert.deepEqual(keyed(late), keyed(straight), 'one line per method, seed and epoch, with the retrained numbers');

  // a damaged folder: every problem, with its file and line, and nothing runs
  const bad = join(dir, 'bad');
  cpSync(straight, bad, { recursive: true });
  writeFileSync(join(bad, RUN_FILES.config), JSON.stringify({ hidden: 'wide', batchsize: 3 }));
  writeFileSync(join(bad, RUN_FILES.runs), '{"method":"full","seed":1}\nnot json\n');
  const badLog: string[] = [];
  assert.equal(await resumeComparison(bad, (l) => badLog.push(l)), 1);
  const text = badLog.join('\n');
  assert.match(text, /config\.json: hidden: expected integer in \[1, 2739137\].*, got "wide"/);
  assert.match(text, /config\.json: batchsize: unknown key/);
  assert.match(text, /runs\.jsonl: line 1: .*testAccuracy/);
  assert.match(text, /runs\.jsonl: line 2: not JSON/);
  rmSync(dir, { recursive: true, force: true });
});

test('a diverged run\'s NaN, written to JSON as null, reads back as NaN', () => {
  const dir = mkdtempSync(join(tmpdir(), 'graft-resume-nan-'));
  writeFileSync(join(dir, RUN_FILES.config), JSON.stringify({ seeds: [1] }));
  const rec = { epoch: 0, trainLoss: null, trainAccuracy: 0.1, evalLoss: null, evalAccuracy: 0.1, seconds: 1 };
  writeFileSync(join(dir, RUN_FILES.runs), JSON.stringify({ method: 'full', seed: 1, testAccuracy: null, seconds: 2, records: [rec] }) + '\n');
  writeFileSync(join(dir, RUN_FILES.metrics), JSON.stringify({ method: 'full', seed: 1, ...rec }) + '\n');
  const folder = readRunFolder(dir);
  assert.ok(E.isRight(folder), JSON.stringify(E.isLeft(folder) ? folder.left : ''));
  assert.ok(Number.isNaN(folder.right.finished[0].testAccuracy));
  assert.ok(Number.isNaN(folder.right.earlier('full', 1)[0].evalLoss));
  rmSync(dir, { recursive: true, force: true });
});

test('graft mnist --epochs 1 leaves a folder --resume can read (the head-only phase shrinks to fit)', async () => {
  const out = mkdtempSync(join(tmpdir(), 'graft-mnist-short-'));
  assert.equal(await runMnistCommand({ epochs: 1, seeds: 1, out, backend: 'webasm' }, () => undefined), 0);
  const folder = readRunFolder(runFolder(out));
  assert.ok(E.isRight(folder), JSON.stringify(E.isLeft(folder) ? folder.left : ''));
  assert.equal(folder.right.config.headEpochs, 1);
  assert.equal(folder.right.config.backend, 'webasm', 'the backend that ran is recorded');
  assert.equal(folder.right.finished.length, 4);
  rmSync(out, { recursive: true, force: true });
});
