// Deterministic per-micro-batch gradients shared by the rank programs and the tests that check them.
// Magnitudes span 2^-12..2^12 so that float32 sums depend on their order (the tests check that they do).

/** Micro-batch m's gradient: the same values whichever rank computes it. */
export const microBatchGradient = (seed: number, m: number, length: number): Float32Array => {
  let s = (seed * 0x9e3779b1 + m * 0x85ebca6b + 1) >>> 0;
  const next = () => {
    // xorshift32: enough spread for test data, integer-exact on every machine
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s / 2 ** 32;
  };
  return Float32Array.from({ length }, () => (next() - 0.5) * 2 ** Math.floor(next() * 25 - 12));
};

/** The micro-batches rank r of W holds when M are cut into W contiguous blocks. */
export const microBatchesOf = (rank: number, size: number, microBatches: number): number[] =>
  Array.from({ length: microBatches / size }, (_, i) => rank * (microBatches / size) + i);

/** The array rank r passes to broadcast: distinct per rank, so a wrong root shows. */
export const rankMarker = (rank: number, length: number): Float32Array => Float32Array.from({ length }, (_, i) => rank * 1000 + i + 0.25);
