import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { runShardedFinetune } from '../../src/cli/sharded-finetune.js';
import { LOOPBACK_MPIRUN_ARGS, loadMpiAddon } from '../../src/shard/index.js';
import { GRAFT_BIN, runGraft } from './graft-process.js';

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
