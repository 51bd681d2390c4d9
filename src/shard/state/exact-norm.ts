// The squared global norm summed exactly (Shewchuk's partials, as Python's math.fsum) and rounded once, so it is the
// same number whichever rank holds which elements: W-invariant clipping without gathering the gradients.

/** Non-overlapping float64 partials whose exact sum is `partials`' plus `x` (Shewchuk 1997, "grow-expansion"). */
const addExact = (partials: number[], x: number): void => {
  let i = 0;
  for (const p of partials.slice()) {
    const [hi, y] = Math.abs(x) < Math.abs(p) ? [p, x] : [x, p];
    const sum = hi + y;
    const lo = y - (sum - hi);
    if (lo !== 0) partials[i++] = lo;
    x = sum;
  }
  partials.length = i;
  partials.push(x);
};

/** Exact partials of Σ v² over the arrays: every square of a float32 is exact in float64. */
export const squarePartials = (arrays: readonly Float32Array[]): number[] => {
  const partials: number[] = [];
  for (const a of arrays) for (let i = 0; i < a.length; i++) if (a[i] !== 0) addExact(partials, a[i] * a[i]);
  return partials;
};

/** The exact sum of every partial of every list, rounded once to float64 (correct to the last bit, any order). */
export const exactTotal = (lists: readonly (readonly number[])[]): number => {
  const partials: number[] = [];
  for (const list of lists) for (const p of list) addExact(partials, p);
  // partials are non-overlapping and increasing in magnitude: summing from the top rounds like fsum's final loop
  let hi = 0;
  let k = partials.length;
  while (k > 0) {
    const x = hi;
    const y = partials[--k];
    hi = x + y;
    const lo = y - (hi - x);
    if (lo !== 0) {
      // a half-way case: the rest decides the rounding direction
      if (k > 0 && ((lo < 0 && partials[k - 1] < 0) || (lo > 0 && partials[k - 1] > 0))) {
        const y2 = lo * 2;
        const x2 = hi + y2;
        if (y2 === x2 - hi) hi = x2;
      }
      break;
    }
  }
  return hi;
};

/** Partials travel as float32 words (a byte copy, never arithmetic): at most this many float64 partials per rank. */
export const MAX_PARTIALS = 64;

export const packPartials = (partials: readonly number[]): Float32Array => {
  if (partials.length > MAX_PARTIALS) throw new RangeError(`${partials.length} partials exceed ${MAX_PARTIALS}`);
  const words = new Float64Array(MAX_PARTIALS + 1);
  words[0] = partials.length;
  words.set(partials, 1);
  return new Float32Array(words.buffer);
};

/** Every rank's partials out of an all-gather of packPartials blocks. */
export const unpackPartials = (gathered: Float32Array, ranks: number): number[][] => {
  const words = new Float64Array(gathered.slice().buffer);
  const per = MAX_PARTIALS + 1;
  return Array.from({ length: ranks }, (_, r) => Array.from(words.subarray(r * per + 1, r * per + 1 + words[r * per])));
};

/** PyTorch's clip_grad_norm_ coefficient min(1, max / (‖g‖ + 1e-6)), from the exact squared norm, in float32. */
export const clipCoefficient = (maxNorm: number, squaredNorm: number): number => {
  const norm = Math.fround(Math.sqrt(squaredNorm));
  return Math.fround(Math.min(1, Math.fround(maxNorm / Math.fround(norm + 1e-6))));
};
