// A problem with a checkpoint: which file, where in it (a path such as `header["param/w"].shape`), and what is wrong.
import { pathOf } from '../../optim/phases/problem.js';

/** A problem inside the bytes of a file, before a file name is attached. */
export interface Problem {
  readonly path: string;
  readonly message: string;
}

/** The same shape as the CLI's FileProblem, so the CLI prints both alike. */
export interface CheckpointProblem extends Problem {
  readonly file: string;
}

export const problemAt = (segments: ReadonlyArray<string | number>, message: string): Problem => ({ path: pathOf(segments), message });

/** A problem with the file as a whole (its size, its existence). */
export const fileProblem = (message: string): Problem => ({ path: '(file)', message });

export const inFile = (file: string) => (p: Problem): CheckpointProblem => ({ file, ...p });

export const formatCheckpointProblem = (p: CheckpointProblem): string => `${p.file}: ${p.path}: ${p.message}`;

/** Names, at most `max` of them, for messages about models with thousands of tensors. */
export const someNames = (names: readonly string[], max = 8): string =>
  names.length === 0 ? 'none' : names.slice(0, max).join(', ') + (names.length > max ? `, … (${names.length} in all)` : '');
