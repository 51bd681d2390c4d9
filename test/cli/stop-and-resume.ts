// Stopping a real graft process mid-run and reading its run folder back: shared by the Ctrl-C tests of the unsharded
// and the sharded commands.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { RUN_FILES } from '../../src/cli/run-folder.js';
import type { EXIT_CODES } from '../../src/cli/interrupt.js';
import type { GraftProcess } from './graft-process.js';
import { startGraft } from './graft-process.js';

export type Line = { readonly method: string; readonly seed: number; readonly epoch: number } & Record<string, unknown>;

export const jsonLines = (file: string): Line[] => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Line) : []);
// wall-clock seconds are the one thing a resumed run cannot reproduce
export const withoutSeconds = (l: Record<string, unknown>): Record<string, unknown> => Object.fromEntries(Object.entries(l).filter(([k]) => k !== 'seconds').map(([k, v]) => [k, Array.isArray(v) ? v.map((r) => withoutSeconds(r as Record<string, unknown>)) : v]));
export const runFolders = (cwd: string) => (existsSync(join(cwd, 'runs')) ? readdirSync(join(cwd, 'runs')).filter((f) => f !== 'cache' && !f.startsWith('.')) : []);
export const filesUnder = (dir: string): string[] => readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? filesUnder(join(dir, f)).map((g) => join(f, g)) : [f])).sort();
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// as a user starts bin/graft.mjs by its path, not under `npm start` (whatever runs this test)
export const BY_PATH = { npm_lifecycle_event: undefined };

/** Start `graft ...args` in `cwd`, send `signal` once its new run folder's metrics satisfy `ready`, and wait for it to end. */
export const interruptWhen = async (args: readonly string[], cwd: string, ready: (lines: readonly Line[]) => boolean, signal: keyof typeof EXIT_CODES, start: (args: readonly string[]) => GraftProcess = (a) => startGraft(a, { cwd, env: BY_PATH })) => {
  const before = new Set(runFolders(cwd));
  const p = start(args);
  let ended = false;
  void p.exited.then(() => void (ended = true));
  for (;;) {
    const folder = runFolders(cwd).find((f) => !before.has(f));
    if (folder && ready(jsonLines(join(cwd, 'runs', folder, RUN_FILES.metrics)))) {
      p.child.kill(signal);
      return { folder: join('runs', folder), ...(await p.exited) };
    }
    if (ended) assert.fail(`graft ${args.join(' ')} ended before it could be interrupted:\n${(await p.exited).stdout}`);
    await sleep(25);
  }
};

