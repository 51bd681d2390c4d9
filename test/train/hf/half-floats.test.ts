// 16-bit floats widen to f32 exactly: every one of the 65,536 bit patterns of F16 and of BF16 against the formula.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bf16BitsToF32Bits, f16BitsToF32Bits, widenToF32 } from '../../../src/train/hf/index.js';
import { bf16Bits, bf16Value, f16Bits, f16Value } from './fixtures.js';

const f32OfBits = (bits: number): number => new Float32Array(Uint32Array.of(bits).buffer)[0];

const sameValue = (got: number, want: number, what: string) => {
  if (Number.isNaN(want)) assert.ok(Number.isNaN(got), `${what}: ${got}, want NaN`);
  else assert.ok(Object.is(got, want), `${what}: ${got}, want ${want}`);
};

describe('F16 and BF16 widened to f32', () => {
  it('F16: all 65,536 patterns equal sign·2^(e-15)·(1+m/1024), subnormals m·2^-24, inf and NaN (payload kept)', () => {
    for (let h = 0; h < 0x10000; h++) {
      const bits = f16BitsToF32Bits(h);
      sameValue(f32OfBits(bits), f16Value(h), `f16 0x${h.toString(16)}`);
      if ((h & 0x7c00) === 0x7c00 && h & 0x3ff) assert.equal((bits >>> 13) & 0x3ff, h & 0x3ff, `payload of 0x${h.toString(16)}`);
    }
    // hand-derived: 1, the largest half, the smallest subnormal, the largest subnormal, -0
    assert.equal(f32OfBits(f16BitsToF32Bits(0x3c00)), 1);
    assert.equal(f32OfBits(f16BitsToF32Bits(0x7bff)), 65504);
    assert.equal(f32OfBits(f16BitsToF32Bits(0x0001)), 2 ** -24);
    assert.equal(f32OfBits(f16BitsToF32Bits(0x03ff)), 1023 * 2 ** -24);
    assert.ok(Object.is(f32OfBits(f16BitsToF32Bits(0x8000)), -0));
  });

  it('BF16: all 65,536 patterns are the upper half of the f32, equal to the formula', () => {
    for (let h = 0; h < 0x10000; h++) {
      assert.equal(bf16BitsToF32Bits(h), h * 65536, `bf16 0x${h.toString(16)}`);
      sameValue(f32OfBits(bf16BitsToF32Bits(h)), bf16Value(h), `bf16 0x${h.toString(16)}`);
    }
  });

  it('tensors: little-endian bytes in, one f32 per element out; F32 bit for bit', () => {
    const f16 = Uint8Array.of(0x00, 0x3c, 0x00, 0xc0, 0x01, 0x00); // 1, -2, 2^-24
    assert.deepEqual([...widenToF32('F16', f16)], [1, -2, 2 ** -24]);
    const bf16 = Uint8Array.of(0x80, 0x3f, 0x49, 0x40); // 1, 3.140625
    assert.deepEqual([...widenToF32('BF16', bf16)], [1, 3.140625]);
    const f32 = Float32Array.of(0.1, -3, Number.NaN);
    assert.deepEqual(new Uint32Array(widenToF32('F32', new Uint8Array(f32.buffer)).buffer), new Uint32Array(f32.buffer));
  });

  it('the fixtures’ encoders round half to even (what the bf16/f16 fixture folders hold)', () => {
    assert.equal(f16Bits(1 + 2 ** -11), 0x3c00); // halfway between 1 and 1+2^-10: to even
    assert.equal(f16Bits(1 + 3 * 2 ** -11), 0x3c02);
    assert.equal(f16Bits(2 ** -25), 0); // halfway to the smallest subnormal: to even (0)
    assert.equal(f16Bits(3 * 2 ** -25), 0x0002);
    assert.equal(f16Bits(65520), 0x7c00);
    assert.equal(bf16Bits(1 + 2 ** -8), 0x3f80);
    assert.equal(bf16Bits(1 + 3 * 2 ** -8), 0x3f82);
  });
});
