import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runGraft } from './graft-process.js';
import { runFolders } from './stop-and-resume.js';

const tiny = (dir: string) => {
  const file = join(dir, 'tiny.yaml');
  writeFileSync(file, `hidden: 16\npretrainEpochs: 1\nfinetuneEpochs: 2\nlabelled: 64\nvalidation: 50\nheldOut: 100\nbatchSize: 16\nlr: 0.01\nseeds: [1]\nmethods: [full]\nbackend: webasm\nout: ${JSON.stringify(join(dir, 'runs'))}\n`);
  return file;
};

/** The run's result line without its wall time. */
const resultLine = (stdout: string) => /^full seed 1: .*$/m.exec(stdout)?.[0].replace(/, [\d.]+ s$/, '');

test('--reshard-after-forward: misuse is refused before anything runs, naming the option and what it needs', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'graft-reshard-'));
  const file = tiny(dir);
  const alone = await runGraft(['finetune', '--config', file, '--reshard-after-forward', 'false']);
  assert.equal(alone.code, 2);
  assert.match(alone.stderr, /--reshard-after-forward: needs --shards W or --mpi/);
  // the strategy rule is checked with the config's other sharding problems (one rule, as sharding.json gets it): all at once
  const grad = await runGraft(['finetune', '--config', file, '--shards', '2', '--strategy', 'SHARD_GRAD_OP', '--reshard-after-forward', 'true', '--micro-batches', '32']);
  assert.equal(grad.code, 1);
  assert.match(grad.stdout, /tiny\.yaml: reshardAfterForward \(--reshard-after-forward\): SHARD_GRAD_OP keeps whole parameters between steps, so there is nothing to reshard/);
  assert.match(grad.stdout, /tiny\.yaml: batchSize 16 is not a multiple of the 32 micro-batches/);
  const word = await runGraft(['finetune', '--config', file, '--shards', '2', '--reshard-after-forward', 'yes']);
  assert.equal(word.code, 2);
  assert.match(word.stderr, /--reshard-after-forward/);
  assert.match(word.stderr, /true \| false/);
  const resume = await runGraft(['finetune', '--resume', dir, '--shards', '2', '--reshard-after-forward', 'false']);
  assert.equal(resume.code, 2);
  assert.match(resume.stderr, /--reshard-after-forward: a resume takes it from the run folder; leave it out/);
  assert.deepEqual(runFolders(dir), [], 'nothing ran');
  rmSync(dir, { recursive: true, force: true });
});

test('graft finetune --shards 2 --reshard-after-forward false trains the numbers of the default (resharded) run and records the setting', { timeout: 600_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'graft-reshard-'));
  const file = tiny(dir);
  const resharded = await runGraft(['finetune', '--config', file, '--shards', '2']);
  assert.equal(resharded.code, 0, resharded.stdout + resharded.stderr);
  const kept = await runGraft(['finetune', '--config', file, '--shards', '2', '--reshard-after-forward', 'false']);
  assert.equal(kept.code, 0, kept.stdout + kept.stderr);
  assert.ok(resultLine(resharded.stdout), resharded.stdout);
  assert.equal(resultLine(kept.stdout), resultLine(resharded.stdout));
  const [first, second] = runFolders(join(dir)).map((f) => JSON.parse(readFileSync(join(dir, 'runs', f, 'sharding.json'), 'utf8')));
  assert.deepEqual(first, { strategy: 'FULL_SHARD', microBatches: 2, ranks: 2 });
  assert.deepEqual(second, { strategy: 'FULL_SHARD', microBatches: 2, ranks: 2, reshardAfterForward: false });
  rmSync(dir, { recursive: true, force: true });
});
