// Feature probes as tiny modules: a runtime validates them to learn what this engine supports.
import { Code, encodeModule } from './encoder.js';

/** A function using f32x4.relaxed_madd: valid only where relaxed-simd is enabled. */
export const relaxedSimdProbe = (): Uint8Array<ArrayBuffer> => {
  const c = new Code([]);
  c.f32(1).simd('f32x4.splat').f32(2).simd('f32x4.splat').f32(3).simd('f32x4.splat').simd('f32x4.relaxed_madd').op('drop');
  return encodeModule({ imports: [], functions: [{ type: { params: [], results: [] }, code: c }] });
};

/** A function using one f32x4 operation: valid where SIMD128 is supported. */
export const simdProbe = (): Uint8Array<ArrayBuffer> => {
  const c = new Code([]);
  c.f32(1).simd('f32x4.splat').f32(2).simd('f32x4.splat').simd('f32x4.add').op('drop');
  return encodeModule({ imports: [], functions: [{ type: { params: [], results: [] }, code: c }] });
};
