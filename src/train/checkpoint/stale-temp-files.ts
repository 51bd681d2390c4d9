// A process killed mid-write leaves its temporary file behind: a resume clears them from the run folder.
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseTempName } from './atomic-write.js';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: a process we may not signal, so one that exists
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Removes, under `dir` and its subfolders, the temporary files of writeFileAtomically whose process has ended; returns their paths. */
export const removeStaleTempFiles = (dir: string, isAlive: (pid: number) => boolean = alive): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return removeStaleTempFiles(path, isAlive);
    const temp = entry.isFile() ? parseTempName(entry.name) : undefined;
    if (!temp || isAlive(temp.pid)) return [];
    rmSync(path, { force: true });
    return [path];
  });
