// The float32 inputs the transcendentals are checked at on every backend: special values, then
// values spread over [-scale, scale] at scales 1e-3 .. 1e3 (an LCG, fixed).
export const SPECIALS = [0, -0, Infinity, -Infinity, NaN, 1, -1, 2 ** -149, -(2 ** -149), 2 ** -126, 3.4028234663852886e38, 88.72283, 88.7229, -87.33655, -103.3, -104, 0.625, -0.625, 1, 4, 1.5707963705062866];

export const transcendentalInputs = (n: number): Float32Array => {
  let s = 12345;
  return Float32Array.from({ length: n }, (_, i) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return i < SPECIALS.length ? SPECIALS[i] : ((s / 2 ** 32) * 2 - 1) * 10 ** ((i % 7) - 3);
  });
};
