import type { Shape } from './shape.js';
import { showShape } from './shape.js';
import type { DType } from './dtype.js';

/** A tensor as it appears in an error: enough to find it in the user's program. */
export interface TensorRef {
  readonly op: string;
  readonly shape: Shape;
  readonly dtype: DType;
  readonly label?: string;
}

export type BuildErrorKind =
  | 'shape-mismatch'
  | 'dtype-mismatch'
  | 'bad-axis'
  | 'bad-argument'
  | 'unknown-input'
  | 'too-large';

/** A program that cannot be built. Thrown inside op constructors, returned as Either at the edge. */
export class BuildError extends Error {
  override readonly name = 'BuildError';
  constructor(
    readonly kind: BuildErrorKind,
    readonly op: string,
    readonly detail: string,
    readonly tensors: readonly TensorRef[] = [],
  ) {
    super(`${op}: ${detail}${tensors.length ? ` (${tensors.map(showTensor).join(', ')})` : ''}`);
  }
}

export const showTensor = (t: TensorRef): string =>
  `${t.label ? `${t.label}: ` : ''}${t.op} ${t.dtype}${showShape(t.shape)}`;

export const isBuildError = (e: unknown): e is BuildError => e instanceof BuildError;
