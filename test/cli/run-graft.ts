// Run the graft command as a user does: a real process, its exit code, stdout and stderr.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const GRAFT = fileURLToPath(new URL('../../bin/graft.mjs', import.meta.url));

export interface GraftRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `env` entries set to undefined are removed from the child's environment. */
export const runGraft = (args: readonly string[], o: { cwd?: string; env?: Record<string, string | undefined> } = {}): Promise<GraftRun> => {
  const env = { ...process.env, ...o.env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  return new Promise((resolve) => {
    execFile(process.execPath, [GRAFT, ...args], { cwd: o.cwd, env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
};
