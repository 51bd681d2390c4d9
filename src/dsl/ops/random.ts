import type { Shape } from '../shape.js';
import { sizeOf } from '../shape.js';
import { BuildError } from '../errors.js';
import type { Distribution, Tensor } from '../tensor.js';
import { node, refOf } from '../tensor.js';
import { MAX_KEY, MAX_OFFSET, deriveKey } from '../counter-hash.js';

/**
 * A generator key: a static 24-bit key (from `randomKey(seed, stream)`), or a scalar tensor
 * holding one, so a compiled step can take a fresh key each call without recompiling.
 */
export type KeyLike = number | Tensor;

/** A 24-bit key from (seed, stream), both integers in [0, 2^24). */
export const randomKey = (seed: number, stream = 0): number => {
  try {
    return deriveKey(seed, stream);
  } catch (e) {
    throw new BuildError('bad-argument', 'randomKey', (e as Error).message);
  }
};

export interface DrawOptions {
  /** Global index of the first element: drawing [a, b) with offset a equals slicing the full draw. */
  readonly offset?: number;
}

const draw = (op: string, dist: Distribution, dtype: 'f32' | 'bool') => (key: KeyLike, shape: Shape, options: DrawOptions = {}): Tensor => {
  const offset = options.offset ?? 0;
  if (!Number.isInteger(offset) || offset < 0 || offset + sizeOf(shape) > MAX_OFFSET) {
    throw new BuildError('bad-argument', op, `offset ${offset} must be an integer with offset + size <= 2^36`);
  }
  if (typeof key === 'number') {
    if (!Number.isInteger(key) || key < 0 || key >= MAX_KEY) throw new BuildError('bad-argument', op, `key ${key} must be an integer in [0, 2^24); use randomKey(seed, stream)`);
    return node({ kind: 'random', dist, offset, key }, [], shape, dtype);
  }
  // i32 feeds are checked to be integers below 2^24, so every backend reads the same key
  if (key.shape.length !== 0 || key.dtype !== 'i32') {
    throw new BuildError(key.dtype !== 'i32' ? 'dtype-mismatch' : 'shape-mismatch', op, 'a key tensor must be an i32 scalar holding randomKey(seed, stream)', [refOf(key)]);
  }
  return node({ kind: 'random', dist, offset, key: undefined }, [key], shape, dtype);
};

/** Uniform in [0, 1) on a 2^-24 grid: bit-identical on every backend. */
export const uniform = draw('uniform', { kind: 'uniform' }, 'f32');

/** Standard normal by Box-Muller from the same counter (within float tolerance across backends). */
export const normal = draw('normal', { kind: 'normal' }, 'f32');

/** True with probability p (p rounded to the 2^-24 grid), bit-identical on every backend. */
export const bernoulli = (key: KeyLike, p: number, shape: Shape, options: DrawOptions = {}): Tensor => {
  if (!(p >= 0 && p <= 1)) throw new BuildError('bad-argument', 'bernoulli', `p ${p} must lie in [0, 1]`);
  return draw('bernoulli', { kind: 'bernoulli', p }, 'bool')(key, shape, options);
};
