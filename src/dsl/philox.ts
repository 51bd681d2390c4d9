// A counter-based generator in the style of Philox-4x32 (Salmon et al., SC'11), scaled down to
// 12-bit words so that every intermediate is an integer below 2^24: exact in f32 on every
// backend (gpu.js cpu and webasm disagree on large-integer hashing; see backends.md).
// XOR is replaced by addition mod 4096, which keeps each round a bijection; with addition, 10 and
// 12 rounds left neighbouring draws dependent (8x8 pair chi-square), 16 passed at 2^20 draws.

/** Integer arithmetic on values below 2^24; evaluated as numbers or emitted as kernel code. */
export interface LimbAlgebra<T> {
  lit(n: number): T;
  add(a: T, b: T): T;
  sub(a: T, b: T): T;
  mul(a: T, b: T): T;
  /** floor(a / 4096): exact in f32 because 4096 is a power of two. */
  hi(a: T): T;
}

export const LIMB = 4096;
export const ROUNDS = 16;
const M0 = 3917;
const M1 = 3529;
const W0 = 2671;
const W1 = 1447;

const mod = <T>(A: LimbAlgebra<T>, x: T): T => A.sub(x, A.mul(A.hi(x), A.lit(LIMB)));

/** Sixteen rounds over a 4-word counter with a 2-word key; returns four 12-bit words. */
export const philox = <T>(A: LimbAlgebra<T>, counter: readonly [T, T, T, T], key: readonly [T, T]): [T, T, T, T] => {
  let [c0, c1, c2, c3] = counter;
  const [k0, k1] = key;
  for (let r = 0; r < ROUNDS; r++) {
    // round keys k + r·W (mod 4096) enter unreduced: the sum below is reduced once, to the same value
    const kr0 = A.add(k0, A.lit((r * W0) % LIMB));
    const kr1 = A.add(k1, A.lit((r * W1) % LIMB));
    const p0 = A.mul(c0, A.lit(M0));
    const p1 = A.mul(c2, A.lit(M1));
    const h0 = A.hi(p0);
    const h1 = A.hi(p1);
    const l0 = A.sub(p0, A.mul(h0, A.lit(LIMB)));
    const l1 = A.sub(p1, A.mul(h1, A.lit(LIMB)));
    c0 = mod(A, A.add(A.add(h1, c1), kr0));
    c1 = l1;
    c2 = mod(A, A.add(A.add(h0, c3), kr1));
    c3 = l0;
  }
  return [c0, c1, c2, c3];
};

/** Split a non-negative integer below 2^24 into (low, high) 12-bit limbs. */
export const limbs2 = <T>(A: LimbAlgebra<T>, x: T): [T, T] => {
  const h = A.hi(x);
  return [A.sub(x, A.mul(h, A.lit(LIMB))), h];
};

/**
 * The three 12-bit limbs of `offset + x`, where x < 2^24 is computed in the kernel and
 * offset < 2^36 is static, so global indices past 2^24 stay exact.
 */
export const indexLimbs = <T>(A: LimbAlgebra<T>, x: T, offset: number): [T, T, T] => {
  const o0 = offset % LIMB;
  const o1 = Math.floor(offset / LIMB) % LIMB;
  const o2 = Math.floor(offset / LIMB ** 2);
  const [x0, x1] = limbs2(A, x);
  const t0 = A.add(x0, A.lit(o0));
  const carry0 = A.hi(t0);
  const t1 = A.add(A.add(x1, A.lit(o1)), carry0);
  const carry1 = A.hi(t1);
  return [A.sub(t0, A.mul(carry0, A.lit(LIMB))), A.sub(t1, A.mul(carry1, A.lit(LIMB))), A.add(carry1, A.lit(o2))];
};

/** Plain-number interpretation: every operation is exact in doubles and in floats. */
export const numberAlgebra: LimbAlgebra<number> = {
  lit: (n) => n,
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  hi: (a) => Math.floor(a / LIMB),
};

export const MAX_KEY = 2 ** 24;
export const MAX_OFFSET = 2 ** 36;

/**
 * A 24-bit key from (seed, stream), both integers in [0, 2^24): one generator call on the host,
 * so kernels only carry the derived key.
 */
export const deriveKey = (seed: number, stream = 0): number => {
  for (const [name, v] of [['seed', seed], ['stream', stream]] as const) {
    if (!Number.isInteger(v) || v < 0 || v >= MAX_KEY) throw new RangeError(`${name} ${v} must be an integer in [0, 2^24)`);
  }
  const [s0, s1] = limbs2(numberAlgebra, stream);
  const [k0, k1] = limbs2(numberAlgebra, seed);
  const [a, b] = philox(numberAlgebra, [s0, s1, 2741, 1021], [k0, k1]);
  return a * LIMB + b;
};

/**
 * The four words drawn for global element `index` under `key`: `philox` over the number algebra, written
 * out on small integers (every value is below 2^24, so `>> 12` and `& 4095` are exact) because host-side
 * draws (the interpreter, shuffles) call it millions of times.
 */
export const drawWords = (key: number, index: number): [number, number, number, number] => {
  let c0 = index % LIMB;
  let c1 = Math.floor(index / LIMB) % LIMB;
  let c2 = Math.floor(index / LIMB ** 2);
  let c3 = 0;
  const k0 = key & (LIMB - 1);
  const k1 = key >> 12;
  for (let r = 0; r < ROUNDS; r++) {
    const p0 = c0 * M0;
    const p1 = c2 * M1;
    const h0 = p0 >> 12;
    const h1 = p1 >> 12;
    const n0 = (h1 + c1 + k0 + ((r * W0) & (LIMB - 1))) & (LIMB - 1);
    const n2 = (h0 + c3 + k1 + ((r * W1) & (LIMB - 1))) & (LIMB - 1);
    c1 = p1 & (LIMB - 1);
    c3 = p0 & (LIMB - 1);
    c0 = n0;
    c2 = n2;
  }
  return [c0, c1, c2, c3];
};

/** Uniform in [0, 1) with 24 random bits: exact in f32. */
export const wordsToUniform = (hi: number, lo: number): number => (hi * LIMB + lo) / MAX_KEY;

/** Bernoulli thresholds are rounded to the 2^-24 grid so `u < p` is exact on every backend. */
export const bernoulliThreshold = (p: number): number => Math.round(p * MAX_KEY) / MAX_KEY;
