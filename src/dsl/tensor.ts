import type { DType } from './dtype.js';
import type { Shape } from './shape.js';
import { MAX_ELEMENTS, sizeOf, showShape } from './shape.js';
import { BuildError } from './errors.js';

export type UnaryFn = 'neg' | 'abs' | 'sqrt' | 'rsqrt' | 'exp' | 'log' | 'tanh' | 'erf' | 'floor' | 'cos' | 'not';
export type BinaryFn =
  | 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'min' | 'max'
  | 'lt' | 'le' | 'gt' | 'ge' | 'eq' | 'ne' | 'and' | 'or';
export type ReduceFn = 'sum' | 'max';
export type Distribution =
  | { readonly kind: 'uniform' }
  | { readonly kind: 'bernoulli'; readonly p: number }
  | { readonly kind: 'normal' };

/** What a node computes. Movement ops (broadcast, reshape, slice, transpose, concat, gather) only remap indices. */
export type Op =
  | { readonly kind: 'input'; readonly name: string }
  | { readonly kind: 'constant'; readonly values: readonly number[] }
  | { readonly kind: 'unary'; readonly fn: UnaryFn }
  | { readonly kind: 'binary'; readonly fn: BinaryFn }
  | { readonly kind: 'where' }
  | { readonly kind: 'cast' }
  | { readonly kind: 'reduce'; readonly fn: ReduceFn; readonly axes: readonly number[] }
  | { readonly kind: 'broadcast' }
  /** `stopGradient` marks a reshape to the same shape that autodiff does not pass through. */
  | { readonly kind: 'reshape'; readonly stopGradient?: true }
  | { readonly kind: 'slice'; readonly starts: readonly number[] }
  | { readonly kind: 'transpose'; readonly perm: readonly number[] }
  | { readonly kind: 'concat'; readonly axis: number }
  | { readonly kind: 'gather'; readonly axis: number }
  | { readonly kind: 'matmul' }
  /** Each element's own index along `axis` (XLA's Iota): with `eq` it builds one-hot masks. */
  | { readonly kind: 'iota'; readonly axis: number }
  | {
      readonly kind: 'random';
      readonly dist: Distribution;
      /** Global element index of this tensor's first element within the full draw. */
      readonly offset: number;
      /** Static 24-bit key, or undefined when the key is the scalar input tensor `inputs[0]`. */
      readonly key: number | undefined;
    };

/** An immutable expression node. Building one computes nothing. */
export interface Tensor {
  readonly id: number;
  readonly op: Op;
  readonly inputs: readonly Tensor[];
  readonly shape: Shape;
  readonly dtype: DType;
}

let nextId = 0;

/** Node constructor; ids give identity only (structural equality is the compiler's CSE). */
export const node = (op: Op, inputs: readonly Tensor[], shape: Shape, dtype: DType): Tensor => {
  const size = sizeOf(shape);
  if (size > MAX_ELEMENTS) {
    throw new BuildError('too-large', op.kind, `${size} elements in ${showShape(shape)} exceeds ${MAX_ELEMENTS} (2^31 - 1): flat indices are 32-bit integers; shard the tensor`);
  }
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new BuildError('bad-argument', op.kind, `shape ${showShape(shape)} must hold non-negative integers`);
  }
  return Object.freeze({ id: nextId++, op, inputs, shape: Object.freeze([...shape]), dtype });
};

export const isTensor = (x: unknown): x is Tensor =>
  typeof x === 'object' && x !== null && 'op' in x && 'shape' in x && 'dtype' in x && 'inputs' in x;

/** A short description used in error messages. */
export const refOf = (t: Tensor) => ({
  op: t.op.kind === 'input' ? `input '${t.op.name}'` : t.op.kind === 'unary' || t.op.kind === 'binary' ? t.op.fn : t.op.kind,
  shape: t.shape,
  dtype: t.dtype,
});
