// Writing a model folder whole: a new folder is filled under a temporary name and renamed into place; an existing
// empty one (or, when forced, a non-empty one) gets each file written to a temporary name and renamed.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import type { CheckpointProblem } from '../checkpoint/index.js';
import { writeFileAtomically } from '../checkpoint/index.js';
import { fileProblem, inFile, someNames } from '../checkpoint/problem.js';

export interface FolderWrite {
  readonly dir: string;
  /** Files it held before that are still there (a forced write replaces only its own files). */
  readonly kept: readonly string[];
}

/** Why `dir` may not be written: it is a file, or not empty without `force`. Checked before anything is computed. */
export const folderProblems = (dir: string, files: readonly string[], force: boolean): CheckpointProblem[] => {
  if (!existsSync(dir)) return [];
  if (!statSync(dir).isDirectory()) return [inFile(dir)(fileProblem('is a file, expected a folder to write the model into'))];
  const held = readdirSync(dir);
  if (held.length === 0 || force) return [];
  return [inFile(dir)(fileProblem(`not empty (${someNames(held)}); give --force to replace ${files.join(' and ')} in it`))];
};

/** Throws only on I/O errors; check folderProblems first. */
export const writeFolder = (dir: string, files: Readonly<Record<string, Uint8Array>>): FolderWrite => {
  if (existsSync(dir)) {
    const kept = readdirSync(dir).filter((f) => !(f in files));
    for (const [name, bytes] of Object.entries(files)) writeFileAtomically(join(dir, name), bytes);
    return { dir, kept };
  }
  mkdirSync(dirname(dir), { recursive: true });
  const tmp = join(dirname(dir), `.${basename(dir)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  mkdirSync(tmp);
  try {
    for (const [name, bytes] of Object.entries(files)) writeFileAtomically(join(tmp, name), bytes);
    renameSync(tmp, dir);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  return { dir, kept: [] };
};

export const checkedWriteFolder = (dir: string, files: Readonly<Record<string, Uint8Array>>, force: boolean): E.Either<CheckpointProblem[], FolderWrite> => {
  const problems = folderProblems(dir, Object.keys(files), force);
  return problems.length ? E.left(problems) : E.right(writeFolder(dir, files));
};
