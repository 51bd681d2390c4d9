// The counter-based generator: a keyed hash of the global element index over exact 32-bit integer
// operations, written once as an algebra so the interpreter evaluates it with Math.imul and each
// renderer emits it (i32x4 in wasm, 16-bit limbs in gpu.js: see u32-limbs.ts).
// Each round xors the key word in, then mixes with lowbias32 (C. Wellons, "hash-prospector":
// xorshift 16, multiply, xorshift 15, multiply, xorshift 16). Two keyed rounds: with one, the
// stream of key k is the stream of key 0 at indices i ^ k, so streams would share structure.

/** Arithmetic on 32-bit words (values in [0, 2^32)); evaluated as numbers or emitted as kernel code. */
export interface U32Algebra<T> {
  /** An integer in [0, 2^32). */
  lit(n: number): T;
  /** a + b mod 2^32. */
  add(a: T, b: T): T;
  /** a · c mod 2^32 for a constant c (Math.imul semantics, read as unsigned; i32x4.mul in wasm). */
  mul(a: T, c: number): T;
  xor(a: T, b: T): T;
  /** a & mask for a constant mask. */
  and(a: T, mask: number): T;
  /** Logical shift right by a constant in [1, 31]. */
  shr(a: T, s: number): T;
  /** Shift left by a constant in [1, 31], mod 2^32. */
  shl(a: T, s: number): T;
}

/** Recorded in checkpoints: draws of another version differ, so a resume across versions is refused. 1 was the 12-bit Philox. */
export const GENERATOR_VERSION = 2;
export const ROUNDS = 2;
/** Keys are integers below 2^24 (exact in f32, so a key tensor reads the same on every backend). */
export const MAX_KEY = 2 ** 24;
/** Global element indices lie below 2^36: the index's high word (< 16) shares the key word with the key. */
export const MAX_OFFSET = 2 ** 36;

const M1 = 0x7feb352d;
const M2 = 0x846ca68b;

/** The domains of one key's words: draws (first and second word of an element) and key derivation. */
export const DOMAIN = { draw: 0, second: 1, derive: 2 } as const;
export type Domain = (typeof DOMAIN)[keyof typeof DOMAIN];

/** One lowbias32 mix: a bijection of 32-bit words. */
const mix = <T>(A: U32Algebra<T>, x0: T): T => {
  let x = A.xor(x0, A.shr(x0, 16));
  x = A.mul(x, M1);
  x = A.xor(x, A.shr(x, 15));
  x = A.mul(x, M2);
  return A.xor(x, A.shr(x, 16));
};

/** The hash of the low index word `lo` under the key word `k`: ROUNDS times (xor k, mix). */
export const hashWord = <T>(A: U32Algebra<T>, k: T, lo: T, rounds = ROUNDS): T => {
  let x = lo;
  for (let r = 0; r < rounds; r++) x = mix(A, A.xor(x, k));
  return x;
};

/**
 * The key word: the 24-bit key, the index's high word (< 16) in bits 24-27 and the domain in bits
 * 28-29, so distinct (key, high word, domain) give distinct words.
 */
export const keyWord = <T>(A: U32Algebra<T>, key: T, hi: T, domain: Domain): T => {
  const k = A.xor(key, A.shl(hi, 24));
  return domain === 0 ? k : A.xor(k, A.lit(domain * 2 ** 28));
};

/**
 * The words (low, high) of the global index `offset + x`, where x < 2^32 is computed in the kernel
 * and offset < 2^36 is static; the carry is bit 31 of (x + offset mod 2^32) / 2, summed without overflow.
 */
export const indexWords = <T>(A: U32Algebra<T>, x: T, offset: number): [T, T] => {
  const oLo = offset % 2 ** 32;
  const oHi = Math.floor(offset / 2 ** 32);
  if (oLo === 0) return [x, A.lit(oHi)]; // x < 2^32: no carry
  const half = A.add(A.lit(Math.floor(oLo / 2)), A.shr(x, 1));
  const carry = A.shr(oLo % 2 === 1 ? A.add(half, A.and(x, 1)) : half, 31);
  return [A.add(x, A.lit(oLo)), oHi === 0 ? carry : A.add(carry, A.lit(oHi))];
};

/** The word drawn for global element (lo, hi) under `key` in `domain`. */
export const drawWord = <T>(A: U32Algebra<T>, key: T, lo: T, hi: T, domain: Domain): T => hashWord(A, keyWord(A, key, hi, domain), lo);

/** The top 24 bits of a word: the uniform draw is this / 2^24, exact in f32. */
export const top24 = <T>(A: U32Algebra<T>, w: T): T => A.shr(w, 8);

/** Words as unsigned numbers, multiplied with Math.imul: the interpreter's reading of the algebra. */
export const numberAlgebra: U32Algebra<number> = {
  lit: (n) => n,
  add: (a, b) => (a + b) >>> 0,
  mul: (a, c) => Math.imul(a, c) >>> 0,
  xor: (a, b) => (a ^ b) >>> 0,
  and: (a, mask) => (a & mask) >>> 0,
  shr: (a, s) => a >>> s,
  shl: (a, s) => (a << s) >>> 0,
};

const checkKeyPart = (name: string, v: number): void => {
  if (!Number.isInteger(v) || v < 0 || v >= MAX_KEY) throw new RangeError(`${name} ${v} must be an integer in [0, 2^24)`);
};

/**
 * A 24-bit key from (seed, stream), both integers in [0, 2^24): one hash on the host (the seed as
 * the key, the stream as the index, in the derivation domain), so kernels only carry the derived key.
 */
export const deriveKey = (seed: number, stream = 0): number => {
  checkKeyPart('seed', seed);
  checkKeyPart('stream', stream);
  return drawWord(numberAlgebra, seed, stream, 0, DOMAIN.derive) >>> 8;
};

/** The top 24 bits of the first (uniform, bernoulli) and second (normal's angle) words of global element `index`. */
export const drawBits = (key: number, index: number, domain: Domain = DOMAIN.draw): number =>
  drawWord(numberAlgebra, key, index % 2 ** 32, Math.floor(index / 2 ** 32), domain) >>> 8;

/** Uniform in [0, 1) with 24 random bits: exact in f32. */
export const bitsToUniform = (bits24: number): number => bits24 / MAX_KEY;

/** The uniform draw of global element `index` under `key`. */
export const uniformAt = (key: number, index: number): number => bitsToUniform(drawBits(key, index));

/** Bernoulli thresholds are rounded to the 2^-24 grid so `u < p` is exact on every backend. */
export const bernoulliThreshold = (p: number): number => Math.round(p * MAX_KEY) / MAX_KEY;
