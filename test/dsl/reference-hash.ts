// The generator (version 2) stated again, straight-line with Math.imul, as the tests' independent reference:
// two rounds of (xor the key word, lowbias32), key word = key + 2^24 · (index div 2^32) + 2^28 · domain.
const lowbias32 = (x: number): number => {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
};

/** The word of global element `index` (< 2^36) under `key` (< 2^24) in `domain` (0 draw, 1 second word, 2 derivation). */
export const referenceWord = (key: number, index: number, domain = 0): number => {
  const k = key + Math.floor(index / 2 ** 32) * 2 ** 24 + domain * 2 ** 28;
  return lowbias32(lowbias32(index % 2 ** 32 ^ k) ^ k);
};

/** Its top 24 bits: what uniform, bernoulli and normal use. */
export const referenceBits = (key: number, index: number, domain = 0): number => referenceWord(key, index, domain) >>> 8;

export const referenceUniform = (key: number, index: number): number => referenceBits(key, index) / 2 ** 24;
