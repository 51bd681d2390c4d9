// Ctrl-C (SIGINT) or SIGTERM during a run: say where the run folder is and how to go on, then exit 128 + the signal's
// number, as shells do. Every file a run writes is replaced atomically in one synchronous call, which a signal handler
// cannot split.
import { existsSync, realpathSync } from 'node:fs';
import { delimiter, isAbsolute, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The argument as a POSIX shell reads it back: bare when it is plainly safe, else single-quoted. */
export const shellQuote = (arg: string): string => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`);

/** 128 + the signal's number. */
export const EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;

/** How the user started graft, as far as the command to paste depends on it. */
export interface Invocation {
  /** process.env.npm_lifecycle_event: 'start' under `npm start`, 'npx' under `npx graft`. */
  readonly npmScript?: string;
  /** The real path of the first `graft` on PATH, if any. */
  readonly graftOnPath?: string;
  /** The real path of this package's bin/graft.mjs. */
  readonly bin: string;
  readonly cwd: string;
}

const firstOnPath = (name: string, path: string): string | undefined => {
  for (const dir of path.split(delimiter).filter((d) => d !== '')) {
    const file = join(dir, name);
    if (existsSync(file)) return realpathSync(file);
  }
  return undefined;
};

export const currentInvocation = (): Invocation => ({
  npmScript: process.env.npm_lifecycle_event,
  graftOnPath: firstOnPath('graft', process.env.PATH ?? ''),
  bin: realpathSync(fileURLToPath(new URL('../../bin/graft.mjs', import.meta.url))),
  cwd: process.cwd(),
});

/** The bin as the user can type it from `cwd`: `./bin/graft.mjs` below it, else its absolute path. */
const binAsTyped = (bin: string, cwd: string): string => {
  const rel = relative(cwd, bin);
  return shellQuote(rel.startsWith('..') || isAbsolute(rel) ? bin : `./${rel}`);
};

/** What runs graft's `command` the way the user started it: `npm start --`, `npx graft`, `graft <command>` or the bin's path. */
export const graftCommandLine = (command: string, how: Invocation): string => {
  if (how.npmScript === 'start') return 'npm start --';
  // npx puts a temporary bin folder first on PATH: its graft is gone from the user's shell
  if (how.npmScript === 'npx') return `npx graft ${command}`;
  if (how.graftOnPath === how.bin) return `graft ${command}`;
  return `${binAsTyped(how.bin, how.cwd)} ${command}`;
};

/** `graft <command> --resume <dir>` (or its equivalent for how graft was started), ready to paste. */
export const resumeCommand = (command: string, dir: string, how: Invocation = currentInvocation()): string => `${graftCommandLine(command, how)} --resume ${shellQuote(dir)}`;

/** Until the returned function is called, each of `signals` (default SIGINT and SIGTERM) prints `lines` and exits with 128 + the signal's number. */
export const onInterrupt = (lines: () => readonly string[], log: (s: string) => void, signals: ReadonlyArray<keyof typeof EXIT_CODES> = ['SIGINT', 'SIGTERM']): (() => void) => {
  const handler = (signal: keyof typeof EXIT_CODES) => {
    // a progress bar may hold the line: start a fresh one
    log(['', ...lines()].join('\n'));
    process.exit(EXIT_CODES[signal]);
  };
  for (const s of signals) process.on(s, handler);
  return () => {
    for (const s of signals) process.off(s, handler);
  };
};
