// Loading a checkpoint: every problem with the file, its metadata, its checksum and its tensors, at once.
import { readFileSync } from 'node:fs';
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import type { CheckpointProblem, Problem } from './problem.js';
import { fileProblem, inFile, problemAt } from './problem.js';
import type { Checkpoint } from './save.js';
import type { CheckpointExpectation, CheckpointShapes } from './tensors.js';
import { expectationProblems, splitTensors } from './tensors.js';
import { decodeChecksum, decodeMeta } from './meta.js';
import type { Safetensors } from './safetensors-decode.js';
import { decodeSafetensors } from './safetensors-decode.js';
import { sha256Hex } from './checksum.js';

export interface LoadedCheckpoint extends Checkpoint {
  readonly shapes: CheckpointShapes;
  readonly checksum: string;
}

const checksumProblems = (st: Safetensors): Problem[] => {
  const claimed = decodeChecksum(st.metadata);
  if (E.isLeft(claimed)) return [];
  const actual = sha256Hex([st.data]);
  return claimed.right === actual ? [] : [problemAt(['data'], `checksum mismatch: the metadata records SHA-256 ${claimed.right}, the data hashes to ${actual}: the file is corrupt`)];
};

/** A checkpoint from a file's bytes; with `expect`, also every tensor missing, extra or of another shape. */
export const decodeCheckpoint = (bytes: Uint8Array, expect?: CheckpointExpectation): E.Either<Problem[], LoadedCheckpoint> =>
  pipe(
    decodeSafetensors(bytes),
    E.chain((st) => {
      const meta = decodeMeta(st.metadata);
      const split = splitTensors(st.tensors);
      const problems = [...(E.isLeft(meta) ? meta.left : []), ...checksumProblems(st), ...split.problems, ...expectationProblems(split.shapes, expect)];
      if (problems.length || E.isLeft(meta)) return E.left(problems);
      return E.right({ params: split.params, optState: split.optState, meta: meta.right.meta, shapes: split.shapes, checksum: meta.right.checksum });
    }),
  );

const readBytes = (file: string): E.Either<Problem[], Uint8Array> => {
  try {
    const b = readFileSync(file);
    return E.right(new Uint8Array(b.buffer, b.byteOffset, b.length));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return E.left([fileProblem(code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, expected a file' : (e as Error).message)]);
  }
};

export const loadCheckpoint = (file: string, expect?: CheckpointExpectation): E.Either<CheckpointProblem[], LoadedCheckpoint> =>
  pipe(
    readBytes(file),
    E.chain((bytes) => decodeCheckpoint(bytes, expect)),
    E.mapLeft((ps) => ps.map(inFile(file))),
  );
