// The generator's definition evaluated on numbers: against the straight-line Math.imul reference, the
// index split at 2^32, the key word's layout, and a value derived by hand.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DOMAIN, MAX_KEY, deriveKey, drawBits, indexWords, keyWord, numberAlgebra, uniformAt } from '../../src/dsl/counter-hash.js';
import { referenceBits } from './reference-hash.js';

const N = numberAlgebra;
const index = fc.oneof(fc.constantFrom(0, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 36 - 1), fc.integer({ min: 0, max: 2 ** 36 - 1 }));

describe('counter hash on numbers', () => {
  test('drawBits equals the straight-line Math.imul reference in every domain', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX_KEY - 1 }), index, fc.constantFrom(DOMAIN.draw, DOMAIN.second, DOMAIN.derive), (key, i, d) => {
        assert.equal(drawBits(key, i, d), referenceBits(key, i, d));
      }),
      { seed: 3, numRuns: 2000 },
    );
  });

  test('by hand: every step maps 0 to 0, so key 0 draws exactly 0 at index 0 (and not at index 1)', () => {
    assert.equal(uniformAt(0, 0), 0);
    assert.notEqual(uniformAt(0, 1), 0);
  });

  test('indexWords splits offset + x at 2^32, carry included', () => {
    const edge = fc.constantFrom(0, 1, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1);
    fc.assert(
      fc.property(fc.oneof(edge, fc.integer({ min: 0, max: 2 ** 32 - 1 })), fc.oneof(edge, index), (x, offset) => {
        fc.pre(offset + x < 2 ** 36);
        const g = BigInt(offset) + BigInt(x);
        assert.deepEqual(indexWords(N, x, offset), [Number(g % 2n ** 32n), Number(g / 2n ** 32n)]);
      }),
      { seed: 5, numRuns: 2000 },
    );
  });

  test('the key word packs key, index high word and domain into disjoint bits', () => {
    for (const [key, hi, d] of [[0, 0, 0], [MAX_KEY - 1, 15, 2], [12345, 3, 1]] as const) {
      assert.equal(keyWord(N, key, hi, d), key + hi * 2 ** 24 + d * 2 ** 28);
    }
  });

  test('deriveKey is the derivation-domain hash of (seed as key, stream as index)', () => {
    for (const [seed, stream] of [[0, 0], [1, 2], [MAX_KEY - 1, MAX_KEY - 1]]) assert.equal(deriveKey(seed, stream), referenceBits(seed, stream, DOMAIN.derive));
  });
});
