// File edges of the CLI: every read names the file; every write goes to a temporary file, then a rename.
import { readFileSync } from 'node:fs';
import * as E from 'fp-ts/lib/Either.js';
import type { Located } from '../optim/phases/index.js';
import { formatProblem } from '../optim/phases/index.js';
import { writeFileAtomically } from '../train/checkpoint/index.js';

export interface FileProblem extends Located {
  readonly file: string;
}

export const readText = (file: string): E.Either<FileProblem[], string> => {
  try {
    return E.right(readFileSync(file, 'utf8'));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return E.left([{ file, path: '(file)', message: code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, expected a file' : (e as Error).message }]);
  }
};

export const readJson = (file: string): E.Either<FileProblem[], unknown> =>
  E.chain((text: string) => {
    try {
      return E.right(JSON.parse(text) as unknown);
    } catch (e) {
      return E.left([{ file, path: '(file)', message: `not valid JSON: ${(e as Error).message}` }]);
    }
  })(readText(file));

/** Write whole or not at all, the checkpoints' way: a failure (even the rename) leaves the old file and no temporary one. */
export const writeAtomically = (file: string, text: string): void => writeFileAtomically(file, new TextEncoder().encode(text));

export const formatFileProblem = (p: FileProblem): string => formatProblem(p, p.file);
