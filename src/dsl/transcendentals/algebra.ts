// The primitive float32 steps every transcendental is written in. One definition of each function
// (exp.ts, log.ts, …) is evaluated over several algebras: numbers for the f32 interpreter, kernel IR
// nodes for the wasm and WGSL renderers, source text for gpu.js. Each step rounds once to float32,
// so every algebra that implements the steps exactly computes the same bits.

/** Float32 arithmetic over values T and conditions C; every result is the float32 IEEE gives. */
export interface F32Algebra<T, C> {
  /** A finite float32 constant (special values are computed, since WGSL rejects infinite literals). */
  lit(v: number): T;
  add(a: T, b: T): T;
  sub(a: T, b: T): T;
  mul(a: T, b: T): T;
  div(a: T, b: T): T;
  neg(a: T): T;
  abs(a: T): T;
  floor(a: T): T;
  lt(a: T, b: T): C;
  gt(a: T, b: T): C;
  eq(a: T, b: T): C;
  /** `c ? a : b`. */
  select(c: C, a: T, b: T): T;
  /** 2^k for an integer-valued k in [-126, 127], exactly. */
  pow2(k: T): T;
  /** floor(log2 x) for a positive normal finite x; any other x gives some value and no error. */
  exponent(x: T): T;
}

const f32 = Math.fround;
const view = new DataView(new ArrayBuffer(4));

/** The biased exponent field of x's float32 bits, unbiased (exact for positive normal x). */
export const exponentBits = (x: number): number => {
  view.setFloat32(0, x);
  return ((view.getUint32(0) >>> 23) & 0xff) - 127;
};

/** The steps on JavaScript numbers, each rounded to float32: the f32 interpreter's arithmetic. */
export const f32Numbers: F32Algebra<number, boolean> = {
  lit: (v) => {
    if (!Number.isFinite(v)) throw new Error(`transcendentals: the literal ${v} is not finite; compute it from the argument`);
    return f32(v);
  },
  add: (a, b) => f32(a + b),
  sub: (a, b) => f32(a - b),
  mul: (a, b) => f32(a * b),
  div: (a, b) => f32(a / b),
  neg: (a) => -a,
  abs: Math.abs,
  floor: Math.floor,
  lt: (a, b) => a < b,
  gt: (a, b) => a > b,
  eq: (a, b) => a === b,
  select: (c, a, b) => (c ? a : b),
  // outside its contract NaN, so a definition that strays there fails its tests here too
  pow2: (k) => (Number.isInteger(k) && k >= -126 && k <= 127 ? 2 ** k : NaN),
  exponent: exponentBits,
};
