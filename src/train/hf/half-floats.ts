// 16-bit floats widened to f32 exactly: bfloat16 is the upper half of an f32; IEEE half (f16) has its own exponent bias.
import type { Dtype } from '../checkpoint/index.js';
import { f32FromBytes } from '../checkpoint/index.js';

/** bf16 bits -> f32 bits: the f32 whose upper 16 bits they are (NaN payloads and signs kept). */
export const bf16BitsToF32Bits = (h: number): number => (h << 16) >>> 0;

/** f16 bits -> f32 bits: normals rebias the exponent (15 -> 127), subnormals are normalised, inf/NaN keep their payload. */
export const f16BitsToF32Bits = (h: number): number => {
  const sign = (h & 0x8000) << 16;
  const exp = (h >>> 10) & 0x1f;
  let mant = h & 0x3ff;
  if (exp === 0x1f) return (sign | 0x7f800000 | (mant << 13)) >>> 0;
  if (exp !== 0) return (sign | ((exp + 112) << 23) | (mant << 13)) >>> 0;
  if (mant === 0) return sign >>> 0;
  // a subnormal m·2^-24: shift the leading 1 up to the implicit bit, lowering the exponent as it goes
  let e = 113;
  while ((mant & 0x400) === 0) {
    mant <<= 1;
    e--;
  }
  return (sign | (e << 23) | ((mant & 0x3ff) << 13)) >>> 0;
};

/** The dtypes a model's weights may come in; all widen to f32 without rounding. */
export const FLOAT_DTYPES = ['F32', 'F16', 'BF16'] as const;
export type FloatDtype = (typeof FLOAT_DTYPES)[number];
export const isFloatDtype = (d: Dtype): d is FloatDtype => (FLOAT_DTYPES as readonly string[]).includes(d);

/** Little-endian F32/F16/BF16 bytes as a fresh Float32Array, bit for bit. */
export const widenToF32 = (dtype: FloatDtype, bytes: Uint8Array): Float32Array => {
  if (dtype === 'F32') return f32FromBytes(bytes);
  const widen = dtype === 'BF16' ? bf16BitsToF32Bits : f16BitsToF32Bits;
  const n = bytes.length / 2;
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = widen(bytes[2 * i] | (bytes[2 * i + 1] << 8));
  // Uint32 -> Float32 through the buffer keeps NaN payloads a float read could canonicalise (on little-endian hosts, as f32FromBytes)
  return new Float32Array(out.buffer);
};
