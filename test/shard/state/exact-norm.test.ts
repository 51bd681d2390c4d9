import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clipCoefficient, exactTotal, scaleInPlace, squarePartials } from '../../../src/shard/index.js';

/** The oracle: each square as an exact integer multiple of 2^-400 in BigInt (subnormals' squares included), summed exactly, rounded once by Number(). */
const bigIntSquareSum = (values: Float32Array): number => {
  let total = 0n;
  for (const x of values) {
    if (x === 0) continue;
    // x = m · 2^e with an integer m below 2^24
    const e = Math.floor(Math.log2(Math.abs(x))) - 23;
    const m = BigInt(Math.abs(x) / 2 ** e);
    total += m * m * 2n ** BigInt(2 * e + 400);
  }
  return Number(total) * 2 ** -400;
};

const spread = (n: number, seed: number) => {
  let s = seed;
  const r = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  // magnitudes over 2^-20..2^20: float64 sums of the squares depend on their order
  return Float32Array.from({ length: n }, () => (r() - 0.5) * 2 ** Math.floor(r() * 40 - 20));
};

test('the exact squared norm equals a BigInt oracle, whatever the split into ranks and the order inside them', () => {
  const v = spread(5000, 11);
  const oracle = bigIntSquareSum(v);
  assert.equal(exactTotal([squarePartials([v])]), oracle);
  for (const W of [2, 3, 4, 7]) {
    const chunk = Math.ceil(v.length / W);
    const parts = Array.from({ length: W }, (_, r) => squarePartials([v.subarray(r * chunk, (r + 1) * chunk)]));
    assert.equal(exactTotal(parts), oracle, `W=${W}`);
    assert.equal(exactTotal(parts.slice().reverse()), oracle, `W=${W} reversed`);
  }
  // a plain float64 sum is order-dependent on these values: the exactness matters
  const forward = Array.from(v).reduce((a, x) => a + x * x, 0);
  const backward = Array.from(v).reverse().reduce((a, x) => a + x * x, 0);
  assert.ok(forward !== oracle || backward !== oracle);
});

test('the exact squared norm of subnormals, the largest float32 values and long runs of one exponent (many times the 32 a float64 bin adds exactly) equals the BigInt oracle', () => {
  const subnormals = Float32Array.from({ length: 300 }, (_, i) => (i % 2 ? -1 : 1) * (i + 1) * 2 ** -149);
  const largest = Float32Array.from({ length: 100 }, (_, i) => 3.4028234663852886e38 * (1 - i * 2 ** -24));
  // one exponent, significands near 2^24: 32 squares of them come close to 2^53, so a bin that took more would round
  const sameExponent = Float32Array.from({ length: 10_000 }, (_, i) => 1 + (2 ** 23 - 1 - (i % 977)) * 2 ** -23);
  const mixed = Float32Array.from([...subnormals, ...spread(2000, 5), ...sameExponent.subarray(0, 3000), ...largest.subarray(0, 3)]);
  for (const [what, v] of [['subnormals', subnormals], ['largest', largest], ['one exponent', sameExponent], ['mixed', mixed]] as const) {
    const oracle = bigIntSquareSum(v);
    assert.equal(exactTotal([squarePartials([v])]), oracle, what);
    assert.equal(exactTotal([squarePartials([v.subarray(0, 777), v.subarray(777)])]), oracle, `${what}, two arrays`);
  }
  // an infinite or NaN gradient makes the exact sum NaN (Shewchuk's error terms of ∞ are NaN), as before binning
  assert.ok(Number.isNaN(exactTotal([squarePartials([Float32Array.of(1, -Infinity, 2)])])));
  assert.ok(Number.isNaN(exactTotal([squarePartials([Float32Array.of(1, NaN, 2)])])));
});

test('scaling in place gives the float32 products x · coef, element by element', () => {
  const v = spread(4000, 3);
  const expected = Array.from(v, (x) => Math.fround(x * 0.3712));
  assert.deepEqual(Array.from(scaleInPlace(v, 0.3712)), expected);
});

test('clip coefficient: PyTorch clip_grad_norm_ min(1, max / (norm + 1e-6)), in float32', () => {
  assert.equal(clipCoefficient(1, 0.25), 1);
  assert.equal(clipCoefficient(1, 16), Math.fround(1 / Math.fround(4 + 1e-6)));
});
