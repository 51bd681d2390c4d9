// Dawn's Vulkan loader asks libwayland for a display, which prints "error: XDG_RUNTIME_DIR is invalid
// or not set in the environment." to stderr when the variable is unset (servers, CI, containers).
// Before Dawn loads, graft points an unset variable at a private empty folder, removed at exit.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let done = false;

/** Sets XDG_RUNTIME_DIR to a fresh 0700 folder when it is unset; a user's own value is kept. */
export const quietDawnEnvironment = (): void => {
  if (done || typeof process === 'undefined' || process.env.XDG_RUNTIME_DIR) return;
  done = true;
  try {
    const dir = mkdtempSync(join(tmpdir(), 'graft-xdg-'));
    process.env.XDG_RUNTIME_DIR = dir;
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  } catch {
    // no writable temp folder: Dawn's line on stderr is harmless
  }
};
