// The transcendentals (dsl/transcendentals) expanded into kernel IR at lowering: renderers see only
// f32/i32 arithmetic, compares, selects and bitcasts, which wasm computes four lanes at a time.
import type { F32Algebra, Transcendental } from '../../dsl/transcendentals/index.js';
import { TRANSCENDENTALS } from '../../dsl/transcendentals/index.js';
import type { KernelBuilder } from './builder.js';

/** The float32 steps as kernel IR nodes (values and conditions are node ids). */
export const kernelAlgebra = (b: KernelBuilder): F32Algebra<number, number> => {
  const i32 = (v: number) => b.constant('i32', v);
  return {
    lit: (v) => b.constant('f32', v),
    add: (x, y) => b.binary('add', x, y),
    sub: (x, y) => b.binary('sub', x, y),
    mul: (x, y) => b.binary('mul', x, y),
    div: (x, y) => b.binary('div', x, y),
    neg: (x) => b.unary('neg', x),
    abs: (x) => b.unary('abs', x),
    floor: (x) => b.unary('floor', x),
    lt: (x, y) => b.binary('lt', x, y),
    gt: (x, y) => b.binary('gt', x, y),
    eq: (x, y) => b.binary('eq', x, y),
    select: (c, x, y) => b.select(c, x, y),
    // the float32 whose exponent field is k + 127 and mantissa 0
    pow2: (k) => b.bitcast('f32', b.binary('shl', b.binary('add', b.cast('i32', k), i32(127)), i32(23))),
    exponent: (x) => b.cast('f32', b.binary('sub', b.binary('shr', b.bitcast('i32', x), i32(23)), i32(127))),
  };
};

export const transcendental = (b: KernelBuilder, fn: Transcendental, x: number): number => TRANSCENDENTALS[fn](kernelAlgebra(b), x);
