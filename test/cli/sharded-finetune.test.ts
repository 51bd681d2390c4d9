import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { runShardedFinetune } from '../../src/cli/sharded-finetune.js';
import { LOOPBACK_MPIRUN_ARGS, loadMpiAddon } from '../../src/shard/index.js';
import { GRAFT_BIN, runGraft } from './graft-process.js';
import type { GraftProcess } from './graft-process.js';
import { RUN_FILES } from '../../src/cli/run-folder.js';
import { BY_PATH, filesUnder, interruptWhen, jsonLines, runFolders, withoutSeconds } from './stop-and-resume.js';

const mpiUnavailable = (): string | undefined => {
  if (spawnSync('mpirun', ['--version']).error) return 'mpirun not found: apt-get install -y --no-install-recommends openmpi-bin libopenmpi-dev';
  const addon = loadMpiAddon();
  return E.isLeft(addon) ? addon.left : undefined;
};
const why = mpiUnavailable();
// CI (GRAFT_REQUIRE_MPI=1) installs Open MPI: there a missing engine is a failure, not a skip
const skip = why !== undefined && process.env.GRAFT_REQUIRE_MPI !== '1' ? why : false;

const tinyConfig = (dir: string, extra = '') => {
  const file = join(dir, `tiny${extra ? '-other' : ''}.yaml`);
  writeFileSync(file, `hidden: 16\npretrainEpochs: 1\nfinetuneEpochs: 2\nlabelled: 64\nvalidation: 50\nheldOut: 100\nbatchSize: 16\nlr: 0.01\nseeds: [1]\nmethods: [child-tuning-F]\nbackend: webasm\nout: ${JSON.stringify(join(dir, 'runs'))}\n${extra}`);
  return file;
};

/** A result line without its wall time and where it ran. */
const numbers = (line: string) => line.replace(/, (FULL_SHARD|SHARD_GRAD_OP|NO_SHARD) over \d+ (local|MPI) ranks, [\d.]+ s$/, '');

const mpirun = (args: readonly string[]): Promise<{ code: number | null; out: string }> =>
  new Promise((resolve) => {
    const child = spawn('mpirun', [...LOOPBACK_MPIRUN_ARGS, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => resolve({ code, out }));
  });

test('graft finetune --shards: what cannot run sharded is refused before anything runs, every problem at once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'graft-sharded-'));
  const file = join(dir, 'bad.yaml');
  writeFileSync(file, `batchSize: 50\nmethods: [full, scheduled]\nout: ${JSON.stringify(join(dir, 'runs'))}\n`);
  const lines: string[] = [];
  assert.equal(await runShardedFinetune(file, 4, { strategy: 'FULL_SHARD' }, (l) => lines.push(l)), 1);
  assert.match(lines.join('\n'), /bad\.yaml: batchSize 50 is not a multiple of the 4 micro-batches/);
  assert.equal(lines.length, 1, lines.join('\n'));
  lines.length = 0;
  assert.equal(await runShardedFinetune(tinyConfig(dir), 3, { strategy: 'FULL_SHARD' }, (l) => lines.push(l)), 1);
  assert.match(lines.join('\n'), /3 micro-batches over 3 ranks: W must be a power of two/);
  assert.ok(!existsSync(join(dir, 'runs')), 'nothing ran');
  const usage = await runGraft(['finetune', '--config', file, '--shards', '2', '--mpi']);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /--shards: leave it out with --mpi/);
  const keeps = await runGraft(['finetune', '--resume', dir, '--shards', '2', '--micro-batches', '4', '--strategy', 'NO_SHARD']);
  assert.equal(keeps.code, 2);
  assert.match(keeps.stderr, /--strategy: a resume takes it from the run folder; leave it out/);
  assert.match(keeps.stderr, /--micro-batches: a resume takes it from the run folder; leave it out/);
  const notSharded = await runGraft(['finetune', '--resume', dir, '--shards', '2']);
  assert.equal(notSharded.code, 1);
  assert.match(notSharded.stdout, /sharding\.json: no such file: .* is not the folder of a sharded run \(resume it without --shards\/--mpi\)/);
  assert.match(notSharded.stdout, /config\.json/);
  rmSync(dir, { recursive: true, force: true });
});

test('graft finetune --shards 2 trains the numbers of --shards 1 with the same 2 micro-batches', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'graft-sharded-'));
  const file = tinyConfig(dir);
  const run = async (W: number) => {
    const lines: string[] = [];
    assert.equal(await runShardedFinetune(file, W, { strategy: 'FULL_SHARD', microBatches: 2 }, (l) => lines.push(l)), 0, lines.join('\n'));
    return lines.filter((l) => l.startsWith('child-tuning-F seed 1: ')).map(numbers);
  };
  const two = await run(2);
  assert.equal(two.length, 1);
  assert.match(two[0], /^child-tuning-F seed 1: test accuracy \d+\.\d%, validation loss \d\.\d+ after 8 steps$/);
  assert.deepEqual(await run(1), two);
  rmSync(dir, { recursive: true, force: true });
});

test('graft finetune --shards 2 with the scheduled method trains the numbers of --shards 1, across the thaw', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'graft-sharded-'));
  const file = join(dir, 'scheduled.yaml');
  writeFileSync(file, `hidden: 16\npretrainEpochs: 1\nfinetuneEpochs: 3\nheadEpochs: 1\nlabelled: 64\nvalidation: 50\nheldOut: 100\nbatchSize: 16\nlr: 0.01\nseeds: [1]\nmethods: [scheduled]\nbackend: webasm\nout: ${JSON.stringify(join(dir, 'runs'))}\n`);
  const run = async (W: number) => {
    const lines: string[] = [];
    assert.equal(await runShardedFinetune(file, W, { strategy: 'FULL_SHARD', microBatches: 2 }, (l) => lines.push(l)), 0, lines.join('\n'));
    return lines.filter((l) => l.startsWith('scheduled seed 1: ')).map(numbers);
  };
  const two = await run(2);
  assert.equal(two.length, 1);
  assert.match(two[0], /^scheduled seed 1: test accuracy \d+\.\d% \(thawed the rest after epoch 1[^)]*\), validation loss \d\.\d+ after 12 steps$/);
  assert.deepEqual(await run(1), two);
  rmSync(dir, { recursive: true, force: true });
});

test('mpirun -np 2 graft finetune --mpi trains the local engine\'s numbers; ranks started with different configs refuse together', { skip, timeout: 600_000 }, async () => {
  assert.equal(why, undefined, why);
  const dir = mkdtempSync(join(tmpdir(), 'graft-sharded-'));
  const file = tinyConfig(dir);
  const local: string[] = [];
  assert.equal(await runShardedFinetune(file, 2, { strategy: 'FULL_SHARD' }, (l) => local.push(l)), 0, local.join('\n'));
  const mpi = await mpirun(['-np', '2', process.execPath, GRAFT_BIN, 'finetune', '--config', file, '--mpi']);
  assert.equal(mpi.code, 0, mpi.out);
  const lines = (out: string | string[]) => (Array.isArray(out) ? out : out.split('\n')).filter((l) => l.startsWith('child-tuning-F seed 1: '));
  assert.equal(lines(mpi.out).length, 1, 'rank 0 alone prints');
  assert.match(lines(mpi.out)[0], /FULL_SHARD over 2 MPI ranks/);
  assert.deepEqual(lines(mpi.out).map(numbers), lines(local).map(numbers));

  const other = tinyConfig(dir, 'reserveP: 0.5\n');
  const mixed = await mpirun(['-np', '1', process.execPath, GRAFT_BIN, 'finetune', '--config', file, '--mpi', ':', '-np', '1', process.execPath, GRAFT_BIN, 'finetune', '--config', other, '--mpi']);
  assert.notEqual(mixed.code, 0);
  for (const r of [0, 1]) assert.match(mixed.out, new RegExp(`error: rank ${r}: rank 1 was started with a different config than rank 0`));
  assert.doesNotMatch(mixed.out, /pre-trained/);
  rmSync(dir, { recursive: true, force: true });
});

test('mpirun graft finetune --mpi --join-timeout: a rank that never starts makes the job end with a clear error instead of waiting', { skip, timeout: 120_000 }, async () => {
  assert.equal(why, undefined, why);
  const dir = mkdtempSync(join(tmpdir(), 'graft-sharded-'));
  // rank 1 is not graft at all: it never calls MPI_Init, as a rank stuck before starting
  const run = await mpirun(['-np', '1', process.execPath, GRAFT_BIN, 'finetune', '--config', tinyConfig(dir), '--mpi', '--join-timeout', '2', ':', '-np', '1', 'sleep', '600']);
  assert.notEqual(run.code, 0, run.out);
  assert.match(run.out, /error: rank 0 of 2: not every rank joined the MPI job within 2000 ms \(a rank did not start, or hangs before MPI_Init\); giving up/);
  assert.ok(!existsSync(join(dir, 'runs')), 'nothing ran');
  rmSync(dir, { recursive: true, force: true });
});

/** mpirun on loopback as a started process, as startGraft starts graft. */
const startMpirun = (args: readonly string[], cwd: string): GraftProcess => {
  const child = spawn('mpirun', [...LOOPBACK_MPIRUN_ARGS, ...args], { cwd, env: { ...process.env, ...BY_PATH }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return { child, stdout: () => stdout, exited: new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }))) };
};

/** Twelve epochs of 16 steps for full fine-tuning and Child-Tuning D: long enough that a stop sent after epoch 2 lands inside the first run on a quiet machine too (with six, mpirun's forwarded stop arrived after it). */
const stopConfig = (cwd: string, finetuneEpochs = 12) => writeFileSync(join(cwd, 'small.yaml'), `hidden: 16\npretrainEpochs: 1\nfinetuneEpochs: ${finetuneEpochs}\nlabelled: 256\nvalidation: 50\nheldOut: 100\nbatchSize: 16\nseeds: [1]\nmethods: [full, child-tuning-D]\nbackend: webasm\n`);

/** Every epoch's and run's numbers, the settings, and each run's whole-state files (consolidated, a scheduled run's best) byte for byte. */
const assertSameShardedOutcome = (resumed: string, straight: string, wholeFiles = ['child-tuning-D-seed1/consolidated.safetensors', 'full-seed1/consolidated.safetensors']) => {
  assert.deepEqual(readFileSync(join(resumed, RUN_FILES.config), 'utf8'), readFileSync(join(straight, RUN_FILES.config), 'utf8'));
  for (const f of [RUN_FILES.metrics, RUN_FILES.runs]) assert.deepEqual(jsonLines(join(resumed, f)).map(withoutSeconds), jsonLines(join(straight, f)).map(withoutSeconds), f);
  const whole = (dir: string) => filesUnder(join(dir, RUN_FILES.checkpoints)).filter((f) => /(consolidated|best\.epoch-\d+)\.safetensors$/.test(f));
  assert.deepEqual(whole(resumed), wholeFiles);
  assert.deepEqual(whole(straight), whole(resumed));
  for (const f of whole(straight)) assert.ok(readFileSync(join(resumed, RUN_FILES.checkpoints, f)).equals(readFileSync(join(straight, RUN_FILES.checkpoints, f))), `${f} differs`);
  for (const f of ['results.md', 'curves.svg']) assert.ok(existsSync(join(resumed, f)), f);
};

const stoppedInFull = (lines: readonly { method: string; epoch: number }[]) => lines.some((l) => l.method === 'full' && l.epoch >= 2);

test('graft finetune --shards 2 stopped by Ctrl-C, then --resume with --shards 1: the run folder, numbers and consolidated bytes of a run that never stopped', { timeout: 600_000 }, async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'graft-sharded-stop-'));
  stopConfig(cwd);
  const args = ['finetune', '--config', 'small.yaml', '--shards', '2'];
  const straight = await runGraft(args, { cwd });
  assert.equal(straight.code, 0, straight.stdout + straight.stderr);
  const [straightFolder] = runFolders(cwd);
  assert.deepEqual(JSON.parse(readFileSync(join(cwd, 'runs', straightFolder, 'sharding.json'), 'utf8')), { strategy: 'FULL_SHARD', microBatches: 2, ranks: 2 });
  assert.deepEqual(filesUnder(join(cwd, 'runs', straightFolder, RUN_FILES.checkpoints, 'full-seed1')), ['consolidated.safetensors', 'index.json', 'rank-0-of-2.step-192.safetensors', 'rank-1-of-2.step-192.safetensors']);

  const stopped = await interruptWhen(args, cwd, stoppedInFull, 'SIGINT');
  assert.equal(stopped.code, 130, stopped.stdout + stopped.stderr);
  const printed = /^\s*\S+ (finetune --resume \S+ --shards 2)\s*$/m.exec(stopped.stdout);
  assert.equal(printed?.[1], `finetune --resume ${stopped.folder} --shards 2`, stopped.stdout);
  assert.deepEqual(filesUnder(join(cwd, stopped.folder)).filter((f) => f.endsWith('.tmp')), [], 'nothing half-written');
  assert.equal(jsonLines(join(cwd, stopped.folder, RUN_FILES.runs)).length, 0, 'stopped inside the first run');

  const resumed = await runGraft(['finetune', '--resume', stopped.folder, '--shards', '1'], { cwd });
  assert.equal(resumed.code, 0, resumed.stdout + resumed.stderr);
  assert.match(resumed.stdout, /full seed 1: resuming after epoch \d+/);
  assert.match(resumed.stdout, /FULL_SHARD over 1 local ranks/);
  assertSameShardedOutcome(join(cwd, stopped.folder), join(cwd, 'runs', straightFolder));
  rmSync(cwd, { recursive: true, force: true });
});

test('graft finetune --shards 2 with the scheduled method stopped by Ctrl-C in its first phase, then --resume with --shards 4 across the thaw and its restore-best: the numbers, best state and consolidated bytes of a run that never stopped', { timeout: 600_000 }, async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'graft-sharded-stop-scheduled-'));
  // the rest thaws before epoch 5, rolling back to the best state so far, which the resumed run reads from its file
  writeFileSync(join(cwd, 'scheduled.yaml'), 'hidden: 16\npretrainEpochs: 1\nfinetuneEpochs: 8\nheadEpochs: 4\nlabelled: 256\nvalidation: 50\nheldOut: 100\nbatchSize: 16\nseeds: [1]\nmethods: [scheduled]\nbackend: webasm\n');
  const args = ['finetune', '--config', 'scheduled.yaml', '--shards', '2', '--micro-batches', '4'];
  const straight = await runGraft(args, { cwd });
  assert.equal(straight.code, 0, straight.stdout + straight.stderr);
  const [straightFolder] = runFolders(cwd);
  const [run] = jsonLines(join(cwd, 'runs', straightFolder, RUN_FILES.runs));
  assert.deepEqual(run.transitions, [{ epoch: 4, depth: 1 }]);
  const ckpt = filesUnder(join(cwd, 'runs', straightFolder, RUN_FILES.checkpoints, 'scheduled-seed1'));
  assert.ok(ckpt.includes('index.json') && ckpt.some((f) => /^best\.epoch-\d\.safetensors$/.test(f)), ckpt.join(', '));

  // an epoch's line goes out before its checkpoint: the line of epoch 2 means epoch 1's set is on disk
  const stopped = await interruptWhen(args, cwd, (lines) => lines.some((l) => l.method === 'scheduled' && l.epoch >= 2), 'SIGINT');
  assert.equal(stopped.code, 130, stopped.stdout + stopped.stderr);
  const index = JSON.parse(readFileSync(join(cwd, stopped.folder, RUN_FILES.checkpoints, 'scheduled-seed1', 'index.json'), 'utf8'));
  assert.ok(index.epoch < 4 && index.schedule.progress.machine.depth === 0, `stopped after epoch ${index.epoch}: the resume must cross the thaw`);

  const resumed = await runGraft(['finetune', '--resume', stopped.folder, '--shards', '4'], { cwd });
  assert.equal(resumed.code, 0, resumed.stdout + resumed.stderr);
  assert.match(resumed.stdout, new RegExp(`scheduled seed 1: resuming after epoch ${index.epoch}`));
  assert.match(resumed.stdout, /FULL_SHARD over 4 local ranks/);
  const best = (dir: string) => filesUnder(join(dir, RUN_FILES.checkpoints)).filter((f) => f.includes('best.'));
  assertSameShardedOutcome(join(cwd, stopped.folder), join(cwd, 'runs', straightFolder), ['scheduled-seed1/consolidated.safetensors', ...best(join(cwd, 'runs', straightFolder))].sort());
  rmSync(cwd, { recursive: true, force: true });
});

test('mpirun -np 2 graft finetune --mpi stopped by Ctrl-C, then mpirun -np 1 … --resume --mpi: the numbers and bytes of the local run that never stopped', { skip, timeout: 600_000 }, async () => {
  assert.equal(why, undefined, why);
  const cwd = mkdtempSync(join(tmpdir(), 'graft-sharded-stop-mpi-'));
  // mpirun passes Ctrl-C on a second later: 40 epochs (~7 s on an idle machine) keep the stop inside the first run
  // (with 12, a quiet CI machine finished it first, and the resume had nothing to resume)
  stopConfig(cwd, 40);
  const straight = await runGraft(['finetune', '--config', 'small.yaml', '--shards', '2'], { cwd });
  assert.equal(straight.code, 0, straight.stdout + straight.stderr);
  const [straightFolder] = runFolders(cwd);

  const graft = [process.execPath, GRAFT_BIN, 'finetune'];
  // mpirun passes the stop on to every rank as SIGTERM and SIGKILLs the rest once one exits: rank 0 exits first and
  // alone says how to go on (when rank 1 went first, rank 0 died without a word in about 1 run of 4)
  const stopped = await interruptWhen(['-np', '2', ...graft, '--config', 'small.yaml', '--mpi'], cwd, stoppedInFull, 'SIGINT', (a) => startMpirun(a, cwd));
  assert.notEqual(stopped.code, 0, stopped.stdout + stopped.stderr);
  const printed = /^\s*mpirun -np 2 \S+ (finetune --resume \S+ --mpi)\s*$/m.exec(stopped.stdout);
  assert.equal(printed?.[1], `finetune --resume ${stopped.folder} --mpi`, stopped.stdout);
  assert.equal(stopped.stdout.split('Go on with:').length, 2, stopped.stdout);

  const resumed = await startMpirun(['-np', '1', ...graft, '--resume', stopped.folder, '--mpi'], cwd).exited;
  assert.equal(resumed.code, 0, resumed.stdout + resumed.stderr);
  assert.match(resumed.stdout, /full seed 1: resuming after epoch \d+/);
  assertSameShardedOutcome(join(cwd, stopped.folder), join(cwd, 'runs', straightFolder));
  rmSync(cwd, { recursive: true, force: true });
});
