// Inputs for the wasm reduction tests: values whose sums show their order in the bits.

/** n values of mixed sign and magnitude (2^0 to 2^(octaves - 1)), an LCG stream per seed. */
export const mixedValues = (n: number, seed: number, octaves: number): Float32Array => {
  let s = seed;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return Math.fround(((s / 2 ** 32) * 2 - 1) * 2 ** ((s >>> 7) % octaves));
  });
};
