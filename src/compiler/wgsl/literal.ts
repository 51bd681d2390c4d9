// Kernel IR types and constants as WGSL text. Constants are written by their bits (`bitcast`), so
// every f32 (-0, subnormals) and every 32-bit integer reaches the shader exactly, and no literal is
// a const-expression that WGSL could reject for overflow. NaN and infinities, which WGSL refuses as
// const-expressions, go through a function (a call is a runtime expression).
import type { KType } from '../kernel-ir/types.js';

export const wgslType = (t: KType): string => t;

const f32Bits = (v: number): number => new Uint32Array(Float32Array.of(v).buffer)[0];

/** A constant of type `t` as a WGSL expression with exactly the kernel's value. */
export const literal = (t: KType, v: number): string => {
  switch (t) {
    case 'bool':
      return v !== 0 ? 'true' : 'false';
    case 'u32':
      return `${v >>> 0}u`;
    case 'i32':
      return `bitcast<i32>(${v >>> 0}u)`;
    case 'f32': {
      const f = Math.fround(v);
      if (!Number.isFinite(f)) return `graft_f32(${f32Bits(f)}u)`;
      // small integers read as themselves; everything else by its bits
      return Number.isInteger(f) && Math.abs(f) < 2 ** 24 && !Object.is(f, -0) ? `${f}.0` : `bitcast<f32>(${f32Bits(f)}u)`;
    }
  }
};

/** The helper non-finite constants call (see above). */
export const F32_FROM_BITS = 'fn graft_f32(bits: u32) -> f32 { return bitcast<f32>(bits); }';
