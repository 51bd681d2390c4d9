// Ctrl-C (or SIGTERM, as `timeout` and `docker stop` send) in the middle of a run, as a user does it: a real graft
// process gets the signal after it has written a checkpoint, exits 128 + its number printing the --resume command,
// and that command finishes the comparison with the same numbers and the same checkpoint bytes as a run that never stopped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RUN_FILES } from '../../src/cli/run-folder.js';
import { GRAFT_BIN, runGraft } from './graft-process.js';
import type { Line } from './stop-and-resume.js';
import { BY_PATH, filesUnder, interruptWhen, jsonLines, runFolders, withoutSeconds } from './stop-and-resume.js';
import type { Invocation } from '../../src/cli/interrupt.js';
import { EXIT_CODES, resumeCommand, shellQuote } from '../../src/cli/interrupt.js';
import { execFileSync } from 'node:child_process';
import { TINY } from './text-tiny.js';

/** The same numbers, epoch by epoch and run by run, the same settings and byte-identical checkpoints. */
const assertSameOutcome = (resumed: string, straight: string) => {
  assert.deepEqual(readFileSync(join(resumed, RUN_FILES.config), 'utf8'), readFileSync(join(straight, RUN_FILES.config), 'utf8'));
  for (const f of [RUN_FILES.metrics, RUN_FILES.runs]) assert.deepEqual(jsonLines(join(resumed, f)).map(withoutSeconds), jsonLines(join(straight, f)).map(withoutSeconds), f);
  const checkpoints = [join(resumed, RUN_FILES.checkpoints), join(straight, RUN_FILES.checkpoints)];
  if (!existsSync(checkpoints[1])) return assert.ok(!existsSync(checkpoints[0]));
  const names = filesUnder(checkpoints[1]);
  assert.deepEqual(filesUnder(checkpoints[0]), names);
  for (const n of names) assert.ok(readFileSync(join(checkpoints[0], n)).equals(readFileSync(join(checkpoints[1], n))), `checkpoints/${n} differs`);
};

/**
 * `graft <command>` straight through, then again stopped by `signal` once `ready`, then the printed resume command:
 * returns what the stop and the resume printed, after checking the exit codes, the command and the outcome.
 */
const stopAndResume = async (command: readonly string[], cwd: string, ready: (lines: readonly Line[]) => boolean, signal: keyof typeof EXIT_CODES = 'SIGINT') => {
  const straight = await runGraft(command, { cwd });
  assert.equal(straight.code, 0, straight.stdout + straight.stderr);
  const [straightFolder] = runFolders(cwd);

  const stopped = await interruptWhen(command, cwd, ready, signal);
  assert.equal(stopped.signal, null, `graft handles ${signal} itself`);
  assert.equal(stopped.code, EXIT_CODES[signal], stopped.stdout + stopped.stderr);
  assert.ok(stopped.stdout.includes(`the run folder is ${stopped.folder}`), stopped.stdout);
  // started by its path from a folder outside the package: the bin's absolute path is what the user can type
  const printed = /^\s*(\S+) (\S+ --resume \S+)\s*$/m.exec(stopped.stdout);
  assert.equal(printed?.[1], realpathSync(GRAFT_BIN), stopped.stdout);
  assert.equal(printed?.[2], `${command[0]} --resume ${stopped.folder}`, stopped.stdout);
  const finishedBefore = jsonLines(join(cwd, stopped.folder, RUN_FILES.runs)).length;
  assert.deepEqual(filesUnder(join(cwd, stopped.folder)).filter((f) => f.endsWith('.tmp')), [], 'nothing half-written');

  const resumed = await runGraft(printed![2].split(' '), { cwd, env: BY_PATH });
  assert.equal(resumed.code, 0, resumed.stdout + resumed.stderr);
  assertSameOutcome(join(cwd, stopped.folder), join(cwd, 'runs', straightFolder));
  return { stopped, resumed, finishedBefore };
};

test('graft mnist with defaults, stopped by Ctrl-C in the scheduled run, resumes to the numbers and bytes of a run that never stopped', async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'graft-ctrl-c-mnist-'));
  // stopped after the scheduled run thawed the rest (epoch 3): its checkpoint carries the phase machine's state
  const { resumed, finishedBefore } = await stopAndResume(['mnist'], cwd, (lines) => lines.some((l) => l.method === 'scheduled' && l.seed === 1 && l.epoch >= 4));
  assert.equal(finishedBefore, 1, 'only full seed 1 had finished');
  assert.match(resumed.stdout, /full\s+seed 1: finished before/);
  assert.match(resumed.stdout, /scheduled\s+seed 1: resuming after epoch [4-9]\n/);
  rmSync(cwd, { recursive: true, force: true });
});

// a config without `backend` (auto) stopped by SIGTERM; and one naming wasm stopped by Ctrl-C: wasm kernels run
// synchronously, and before fit gave the event loop a turn per call the signal waited for the whole job
for (const [what, backendLine, signal] of [['a config that names no backend', '', 'SIGTERM'], ['the wasm backend', 'backend: wasm\n', 'SIGINT']] as const) {
  test(`graft finetune on ${what}, stopped by ${signal} mid-run, resumes to the same numbers and bytes`, async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'graft-ctrl-c-finetune-'));
    writeFileSync(join(cwd, 'small.yaml'), `hidden: 32\npretrainEpochs: 1\nfinetuneEpochs: 20\nheadEpochs: 2\nlabelled: 300\nvalidation: 100\nheldOut: 300\nbatchSize: 20\nseeds: [1]\nmethods: [full, scheduled]\n${backendLine}`);
    const { resumed, finishedBefore } = await stopAndResume(['finetune', '--config', 'small.yaml'], cwd, (lines) => lines.some((l) => l.method === 'full' && l.epoch >= 3), signal);
    assert.equal(finishedBefore, 0, 'stopped inside the first run');
    assert.match(resumed.stdout, /full\s+seed 1: resuming after epoch \d+\n/);
    rmSync(cwd, { recursive: true, force: true });
  });
}

test('graft text at a reduced size, stopped by Ctrl-C in the middle of its first run, resumes from the last checkpoint of that run to the numbers and bytes of a run that never stopped', async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'graft-ctrl-c-text-'));
  writeFileSync(join(cwd, 'tiny.json'), JSON.stringify({ ...TINY, methods: ['full', 'scheduled'], finetuneEpochs: 6 }));
  // the straight run builds the pre-training cache the stopped one and its resume read
  const { stopped, resumed, finishedBefore } = await stopAndResume(['text', '--settings', 'tiny.json'], cwd, (lines) => lines.some((l) => l.method === 'full' && l.epoch >= 2));
  assert.equal(finishedBefore, 0, 'stopped inside the first run');
  const checkpointed = Number(/full\s+seed 1: resuming after epoch (\d+)\n/.exec(resumed.stdout)?.[1]);
  assert.ok(checkpointed >= 2 && checkpointed < 6, resumed.stdout);
  assert.ok(existsSync(join(cwd, stopped.folder, RUN_FILES.checkpoints, 'full-seed1.safetensors')), 'the stopped run left its checkpoint');
  assert.match(resumed.stdout, /scheduled\s+seed 1: test accuracy/);
  for (const f of runFolders(cwd)) assert.ok(existsSync(join(cwd, 'runs', f, 'results.md')), `${f} has its report`);
  rmSync(cwd, { recursive: true, force: true });
});

test('the printed resume command reads back, through a POSIX shell, as the folder it names', () => {
  for (const dir of ['runs/2026-12-01T22-21-46-339Z', 'my runs/a b', "it's/$HOME/`x`/\"q\"", '-x', '']) {
    const quoted = shellQuote(dir);
    assert.equal(execFileSync('sh', ['-c', `printf %s ${quoted}`], { encoding: 'utf8' }), dir, quoted);
  }
});

test('the resume command runs graft the way the user started it', () => {
  const bin = '/home/u/graft/bin/graft.mjs';
  const how = (o: Partial<Invocation>): Invocation => ({ bin, cwd: '/home/u/graft', ...o });
  assert.equal(resumeCommand('mnist', 'runs/t', how({ npmScript: 'start', graftOnPath: bin })), 'npm start -- --resume runs/t');
  assert.equal(resumeCommand('mnist', 'runs/t', how({ npmScript: 'test', graftOnPath: bin })), 'graft mnist --resume runs/t');
  // under npx the graft on PATH is npx's temporary bin folder, not the user's
  assert.equal(resumeCommand('text', 'runs/t', how({ npmScript: 'npx', graftOnPath: bin })), 'npx graft text --resume runs/t');
  assert.equal(resumeCommand('finetune', 'my runs/t', how({ graftOnPath: bin })), "graft finetune --resume 'my runs/t'");
  // a graft on PATH that is another package's is not this one
  assert.equal(resumeCommand('finetune', 'runs/t', how({ graftOnPath: '/usr/lib/node_modules/graft/bin/graft.mjs' })), './bin/graft.mjs finetune --resume runs/t');
  assert.equal(resumeCommand('finetune', 'runs/t', how({})), './bin/graft.mjs finetune --resume runs/t');
  assert.equal(resumeCommand('mnist', 'runs/t', how({ cwd: '/home/u/graft/src' })), '/home/u/graft/bin/graft.mjs mnist --resume runs/t');
  assert.equal(resumeCommand('mnist', 'runs/t', how({ cwd: '/tmp', bin: '/home/u/my graft/bin/graft.mjs' })), "'/home/u/my graft/bin/graft.mjs' mnist --resume runs/t");
});
