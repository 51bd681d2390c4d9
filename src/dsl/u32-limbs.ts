// 32-bit words emulated exactly on a machine that computes in f32 (gpu.js): a word is two 16-bit
// limbs, and every intermediate is a non-negative integer below 2^24, exact in f32. Bitwise ops on
// such integers are exact in every gpu.js mode (cpu: JS; webasm: i32; webgpu: WGSL i32 casts).
import type { U32Algebra } from './counter-hash.js';

/** Operations on non-negative integers below 2^24 (every result too); evaluated as numbers or emitted as kernel code. */
export interface SmallIntAlgebra<T> {
  lit(n: number): T;
  add(a: T, b: T): T;
  /** Only ever called with a product below 2^24. */
  mul(a: T, b: T): T;
  xor(a: T, b: T): T;
  /** a & mask for a constant mask. */
  and(a: T, mask: number): T;
  shr(a: T, s: number): T;
  /** Only ever called with a result below 2^24. */
  shl(a: T, s: number): T;
  /** A value read more than once: a renderer that writes expressions inline binds it to a name here. */
  share(a: T): T;
}

/** A word as [low 16 bits, high 16 bits]. */
export type Limbs<T> = readonly [T, T];

const LOW16 = 0xffff;

/** A non-negative integer below 2^24 computed in the kernel, as limbs. */
export const toLimbs = <T>(S: SmallIntAlgebra<T>, x: T): Limbs<T> => [S.and(x, LOW16), S.shr(x, 16)];

/** A word known to be below 2^24 (the top 24 bits of a draw) as one integer. */
export const fromLimbs24 = <T>(S: SmallIntAlgebra<T>, [lo, hi]: Limbs<T>): T => S.add(S.shl(hi, 16), lo);

/** The low 16 bits of a · c, a < 2^16, for a constant c < 2^16: c's bytes keep each product below 2^24. */
const mulLow16 = <T>(S: SmallIntAlgebra<T>, a: T, c: number): T[] => {
  const [cl, ch] = [c & 0xff, c >>> 8];
  return [...(cl ? [S.and(S.mul(a, S.lit(cl)), LOW16)] : []), ...(ch ? [S.shl(S.and(S.mul(a, S.lit(ch)), 0xff), 8)] : [])];
};

const sum = <T>(S: SmallIntAlgebra<T>, terms: readonly T[]): T => (terms.length ? terms.reduce((a, b) => S.add(a, b)) : S.lit(0));

/** U32 arithmetic on limbs: each method keeps every intermediate an integer below 2^24 (comments give the bounds). */
export const limbAlgebra = <T>(S: SmallIntAlgebra<T>): U32Algebra<Limbs<T>> => {
  const shared = ([lo, hi]: Limbs<T>): Limbs<T> => [S.share(lo), S.share(hi)];
  const ops = limbOps(S);
  return {
    lit: ops.lit,
    add: (a, b) => shared(ops.add(a, b)),
    mul: (a, c) => shared(ops.mul(a, c)),
    xor: (a, b) => shared(ops.xor(a, b)),
    and: (a, m) => shared(ops.and(a, m)),
    shr: (a, s) => shared(ops.shr(a, s)),
    shl: (a, s) => shared(ops.shl(a, s)),
  };
};

/** The limb formulas; limbAlgebra shares each result, since words are read more than once. */
const limbOps = <T>(S: SmallIntAlgebra<T>): U32Algebra<Limbs<T>> => ({
  lit: (n) => [S.lit(n & LOW16), S.lit(n >>> 16)],
  add: ([a0, a1], [b0, b1]) => {
    const s = S.share(S.add(a0, b0)); // < 2^17
    return [S.and(s, LOW16), S.and(S.add(S.add(a1, b1), S.shr(s, 16)), LOW16)];
  },
  mul: ([x0, x1], c) => {
    // x·c mod 2^32 = x0·c0 + 2^16 (x0·c1 + x1·c0) with c = c1·2^16 + c0, and x0·c0 = p + 2^8 q by c0's bytes
    const [c0, c1] = [c & LOW16, c >>> 16];
    const p = S.mul(x0, S.lit(c0 & 0xff)); // <= 65535 · 255
    const q = S.share(S.mul(x0, S.lit(c0 >>> 8)));
    const s = S.share(S.add(p, S.shl(S.and(q, 0xff), 8))); // <= 16711425 + 65280 < 2^24
    const carry = S.add(S.shr(s, 16), S.shr(q, 8)); // < 2^17
    return [S.and(s, LOW16), S.and(sum(S, [carry, ...mulLow16(S, x0, c1), ...mulLow16(S, x1, c0)]), LOW16)]; // sum < 2^19
  },
  xor: ([a0, a1], [b0, b1]) => [S.xor(a0, b0), S.xor(a1, b1)],
  and: ([a0, a1], mask) => [S.and(a0, mask & LOW16), mask >>> 16 ? S.and(a1, mask >>> 16) : S.lit(0)],
  shr: ([a0, a1], s) => {
    if (s >= 16) return [s === 16 ? a1 : S.shr(a1, s - 16), S.lit(0)];
    // the low bits of a1 move into the top of the low limb: masked first, so the shift stays below 2^16
    return [S.add(S.shr(a0, s), S.shl(S.and(a1, (1 << s) - 1), 16 - s)), S.shr(a1, s)];
  },
  shl: ([a0, a1], s) => {
    if (s >= 16) return [S.lit(0), s === 16 ? a0 : S.shl(S.and(a0, (1 << (32 - s)) - 1), s - 16)];
    return [S.shl(S.and(a0, (1 << (16 - s)) - 1), s), S.add(S.shl(S.and(a1, (1 << (16 - s)) - 1), s), S.shr(a0, 16 - s))];
  },
});
