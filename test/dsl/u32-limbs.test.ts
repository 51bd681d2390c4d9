// The 16-bit-limb emulation of 32-bit words (gpu.js' path) against Math.imul arithmetic, with every
// intermediate checked to be an integer in [0, 2^24): exact in f32.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DOMAIN, drawWord, indexWords, numberAlgebra, top24 } from '../../src/dsl/counter-hash.js';
import type { Domain } from '../../src/dsl/counter-hash.js';
import type { Limbs, SmallIntAlgebra } from '../../src/dsl/u32-limbs.js';
import { fromLimbs24, limbAlgebra, toLimbs } from '../../src/dsl/u32-limbs.js';

/** Plain numbers that fail on any value f32 would not hold exactly (or that is negative). */
const exactInF32 = (what: string, v: number): number => {
  if (!(Number.isInteger(v) && v >= 0 && v < 2 ** 24)) throw new Error(`${what} gave ${v}, not an integer in [0, 2^24)`);
  return v;
};
const checked: SmallIntAlgebra<number> = {
  lit: (n) => exactInF32('lit', n),
  add: (a, b) => exactInF32('add', a + b),
  mul: (a, b) => exactInF32('mul', a * b),
  xor: (a, b) => exactInF32('xor', a ^ b),
  and: (a, m) => exactInF32('and', a & m),
  shr: (a, s) => exactInF32('shr', Math.floor(a / 2 ** s)),
  shl: (a, s) => exactInF32('shl', a * 2 ** s),
  share: (a) => a,
};
const L = limbAlgebra(checked);
const N = numberAlgebra;

const split = (w: number): Limbs<number> => [w % 65536, Math.floor(w / 65536)];
const join = ([lo, hi]: Limbs<number>): number => hi * 65536 + lo;

const word = fc.oneof(fc.constantFrom(0, 1, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff), fc.integer({ min: 0, max: 2 ** 32 - 1 }));
const shift = fc.integer({ min: 1, max: 31 });

describe('32-bit words on 16-bit limbs', () => {
  test('add, mul by a constant, xor, and, shifts equal Math.imul arithmetic, every intermediate below 2^24', () => {
    fc.assert(
      fc.property(word, word, word, shift, (a, b, c, s) => {
        const [la, lb] = [split(a), split(b)];
        assert.equal(join(L.lit(a)), a, 'lit');
        assert.equal(join(L.add(la, lb)), N.add(a, b), `add ${a} ${b}`);
        assert.equal(join(L.mul(la, c)), N.mul(a, c), `mul ${a} ${c}`);
        assert.equal(join(L.xor(la, lb)), N.xor(a, b), 'xor');
        assert.equal(join(L.and(la, c)), N.and(a, c), 'and');
        assert.equal(join(L.shr(la, s)), N.shr(a, s), `shr ${a} ${s}`);
        assert.equal(join(L.shl(la, s)), N.shl(a, s), `shl ${a} ${s}`);
      }),
      { seed: 7, numRuns: 3000 },
    );
  });

  test('mul by constants with zero bytes and by the extremes', () => {
    for (const c of [0, 1, 0xff, 0x100, 0xff00, 0x10000, 0xff0000, 0x1000000, 0x80000000, 0xffffffff, 0x7feb352d, 0x846ca68b]) {
      for (const a of [0, 1, 0xffff, 0x10000, 0xffffffff, 0x12345678]) assert.equal(join(L.mul(split(a), c)), N.mul(a, c), `${a} * ${c}`);
    }
  });

  test('the kernel\'s draw (index below 2^24, offset up to 2^36) equals drawWord on numbers', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 24 - 1 }), fc.integer({ min: 0, max: 2 ** 24 - 1 }), fc.integer({ min: 0, max: 2 ** 36 - 2 ** 24 }), fc.constantFrom<Domain>(DOMAIN.draw, DOMAIN.second), (key, x, offset, domain) => {
        const [lo, hi] = indexWords(L, toLimbs(checked, x), offset);
        const got = fromLimbs24(checked, top24(L, drawWord(L, toLimbs(checked, key), lo, hi, domain)));
        const g = offset + x;
        assert.equal(got, drawWord(N, key, g % 2 ** 32, Math.floor(g / 2 ** 32), domain) >>> 8);
      }),
      { seed: 11, numRuns: 500 },
    );
  });
});
