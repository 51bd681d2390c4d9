// Saving a checkpoint: parameters, optimizer state and metadata as one safetensors file, written atomically.
import * as E from 'fp-ts/lib/Either.js';
import type { Values } from '../optimizer-runner.js';
import type { CheckpointProblem, Problem } from './problem.js';
import { inFile, problemAt } from './problem.js';
import type { CheckpointMeta } from './meta.js';
import { encodeMeta } from './meta.js';
import type { CheckpointShapes } from './tensors.js';
import { OPT_PREFIX, PARAM_PREFIX } from './tensors.js';
import type { RawTensor } from './safetensors-dtype.js';
import { elementCount, f32Tensor } from './safetensors-dtype.js';
import { encodeSafetensors } from './safetensors-encode.js';
import { sha256Hex } from './checksum.js';
import type { WriteIo } from './atomic-write.js';
import { writeFileAtomically } from './atomic-write.js';

export interface Checkpoint {
  readonly params: Values;
  /** Optimizer state leaves by flat path (OptimizerState.state). */
  readonly optState: Values;
  readonly meta: CheckpointMeta;
  /** Shapes to record; a tensor without one is saved 1-D. */
  readonly shapes?: Partial<CheckpointShapes>;
}

export interface SavedCheckpoint {
  readonly file: string;
  readonly bytes: number;
  readonly checksum: string;
}

const shapeProblems = (c: Checkpoint): Problem[] =>
  (['params', 'optState'] as const).flatMap((kind) =>
    Object.entries(c.shapes?.[kind] ?? {}).flatMap(([name, shape]) => {
      const values = c[kind][name];
      if (values === undefined) return [];
      if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0)) return [problemAt(['shapes', kind, name], `[${shape.join(', ')}] is not a shape (dimensions are non-negative integers)`)];
      const n = elementCount(shape);
      return n === values.length ? [] : [problemAt(['shapes', kind, name], `[${shape.join(', ')}] holds ${n} elements, but ${kind}['${name}'] holds ${values.length}`)];
    }),
  );

/** The file's bytes and checksum, or every reason the checkpoint could not be read back as it is. */
export const encodeCheckpoint = (c: Checkpoint): E.Either<Problem[], { bytes: Uint8Array; checksum: string }> => {
  const bad = shapeProblems(c);
  const tensors: Record<string, RawTensor> = Object.fromEntries([
    ...Object.entries(c.params).map(([n, v]) => [PARAM_PREFIX + n, f32Tensor(v, c.shapes?.params?.[n])]),
    ...Object.entries(c.optState).map(([n, v]) => [OPT_PREFIX + n, f32Tensor(v, c.shapes?.optState?.[n])]),
  ]);
  const checksum = sha256Hex(Object.values(tensors).map((t) => t.data));
  const metadata = encodeMeta(c.meta, checksum);
  const problems = [...bad, ...(E.isLeft(metadata) ? metadata.left : [])];
  if (problems.length || E.isLeft(metadata)) return E.left(problems);
  return E.right({ bytes: encodeSafetensors(tensors, metadata.right), checksum });
};

/** Left (and nothing written) when the checkpoint could not be loaded back; throws only on I/O errors, leaving the old file. */
export const saveCheckpoint = (file: string, c: Checkpoint, io?: WriteIo): E.Either<CheckpointProblem[], SavedCheckpoint> =>
  E.bimap(
    (ps: Problem[]) => ps.map(inFile(file)),
    ({ bytes, checksum }: { bytes: Uint8Array; checksum: string }) => {
      writeFileAtomically(file, bytes, io);
      return { file, bytes: bytes.length, checksum };
    },
  )(encodeCheckpoint(c));
