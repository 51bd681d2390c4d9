// The graft command as a user runs it: a real process from bin/graft.mjs, in a folder of the test's choosing.
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const GRAFT_BIN = fileURLToPath(new URL('../../bin/graft.mjs', import.meta.url));

export interface Exited {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface GraftProcess {
  readonly child: ChildProcess;
  /** Everything written to stdout so far. */
  readonly stdout: () => string;
  readonly exited: Promise<Exited>;
}

export interface GraftOptions {
  readonly cwd?: string;
  /** Entries set to undefined are removed from the child's environment. */
  readonly env?: Record<string, string | undefined>;
}

/** Start `graft ...args` in the working folder and environment given. */
export const startGraft = (args: readonly string[], o: GraftOptions = {}): GraftProcess => {
  const env = { ...process.env, ...o.env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  const child = spawn(process.execPath, [GRAFT_BIN, ...args], { cwd: o.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (b: Buffer) => void (stdout += b.toString()));
  child.stderr!.on('data', (b: Buffer) => void (stderr += b.toString()));
  const exited = new Promise<Exited>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, stdout: () => stdout, exited };
};

/** Run `graft ...args` to its end. */
export const runGraft = (args: readonly string[], o: GraftOptions = {}): Promise<Exited> => startGraft(args, o).exited;
