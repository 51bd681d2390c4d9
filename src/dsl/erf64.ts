// erf in float64 for the reference interpreter (Math has none): its Maclaurin series below 2.5
// (terms peak near e^{x²}, so the sum keeps ~13 digits), the erfc continued fraction above.
const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

const series = (a: number): number => {
  let sum = 0;
  let term = a;
  for (let n = 0; n < 200 && Math.abs(term) > 1e-17 * Math.abs(sum) + 1e-300; n++) {
    sum += term / (2 * n + 1);
    term *= (-a * a) / (n + 1);
  }
  return sum * TWO_OVER_SQRT_PI;
};

/** erfc(a) = e^{-a²}/√π · 1/(a + (1/2)/(a + 1/(a + (3/2)/(a + …)))), evaluated bottom-up. */
const erfcFraction = (a: number): number => {
  let cf = a;
  for (let k = 200; k >= 1; k--) cf = a + k / 2 / cf;
  return Math.exp(-a * a) / Math.sqrt(Math.PI) / cf;
};

export const erf64 = (x: number): number => {
  if (Number.isNaN(x)) return NaN;
  const a = Math.abs(x);
  const m = a < 2.5 ? series(a) : 1 - erfcFraction(a);
  return x < 0 || Object.is(x, -0) ? -m : m;
};
