// The float32 transcendentals (src/dsl/transcendentals) against float64: the largest error in ulps
// over dense sweeps of float32 inputs (every k-th bit pattern of a range, and a finer one of a key
// interval), and the IEEE special values, compared bit for bit.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Transcendental } from '../../src/dsl/transcendentals/index.js';
import { f32Transcendental } from '../../src/dsl/transcendentals/index.js';
import { erfRef } from '../nn/reference.js';

const view = new DataView(new ArrayBuffer(4));
const bitsOf = (x: number): number => (view.setFloat32(0, x), view.getUint32(0));
const fromBits = (b: number): number => (view.setUint32(0, b >>> 0), view.getFloat32(0));

/** The spacing of float32 values at y (2^-149 among subnormals). */
const ulpAt = (y: number): number => {
  const a = Math.abs(Math.fround(y));
  return a < 2 ** -126 ? 2 ** -149 : 2 ** (Math.floor(Math.log2(a)) - 23);
};

/** The float32 values with bit patterns in [bitsOf(from), bitsOf(to)] (same sign), every `stride`-th. */
function* sweep(from: number, to: number, stride: number): Generator<number> {
  const [a, b] = [bitsOf(from), bitsOf(to)].sort((p, q) => p - q);
  for (let bits = a; bits <= b; bits += stride) yield fromBits(bits);
}

const worstUlps = (fn: Transcendental, reference: (x: number) => number, xs: Iterable<number>): { ulps: number; at: number } => {
  let worst = { ulps: 0, at: NaN };
  for (const x of xs) {
    const want = reference(x);
    const ulps = Math.abs(f32Transcendental(fn, x) - want) / ulpAt(want);
    if (!(ulps <= worst.ulps)) worst = { ulps, at: x };
  }
  return worst;
};

/** Both signs of a sweep over [lo, hi] (lo, hi > 0). */
const bothSigns = function* (lo: number, hi: number, stride: number): Generator<number> {
  yield* sweep(lo, hi, stride);
  yield* sweep(-lo, -hi, stride);
};

const CASES: readonly { fn: Transcendental; ref: (x: number) => number; bound: number; inputs: () => Iterable<number>; what: string }[] = [
  // every 1009th float32 from the smallest subnormal result to overflow, and all of [1, 1.0625)
  { fn: 'exp', ref: Math.exp, bound: 1, what: '[-104, 89] and every 3rd float32 of [1, 1.0625)', inputs: function* () {
    yield* sweep(2 ** -149, 89, 1009);
    yield* sweep(-(2 ** -149), -104, 1009);
    yield* sweep(1, 1.0625, 3);
  } },
  { fn: 'log', ref: Math.log, bound: 1, what: 'every positive float32 (stride 1009, subnormals included) and every 5th of [0.9375, 1.0625)', inputs: function* () {
    yield* sweep(2 ** -149, 3.4e38, 1009);
    yield* sweep(0.9375, 1.0625, 5);
  } },
  { fn: 'tanh', ref: Math.tanh, bound: 1.5, what: '|x| in [2^-149, 10] and every 16th float32 of [0.5, 0.75)', inputs: function* () {
    yield* bothSigns(2 ** -149, 10, 1009);
    yield* sweep(0.5, 0.75, 16);
  } },
  { fn: 'erf', ref: erfRef, bound: 1.5, what: '|x| in [2^-149, 4.5] and every 16th float32 of [0.875, 1.125)', inputs: function* () {
    yield* bothSigns(2 ** -149, 4.5, 1009);
    yield* sweep(0.875, 1.125, 16);
  } },
  { fn: 'cos', ref: Math.cos, bound: 2, what: '|x| <= 7 and every 8th float32 of [1.5, 1.625) (the zero at π/2)', inputs: function* () {
    yield* bothSigns(2 ** -149, 7, 1009);
    yield* sweep(1.5, 1.625, 8);
  } },
];

describe('float32 transcendentals against float64 Math', () => {
  for (const c of CASES) {
    it(`${c.fn} is within ${c.bound} ulp over ${c.what}`, () => {
      const { ulps, at } = worstUlps(c.fn, c.ref, c.inputs());
      assert.ok(ulps <= c.bound, `${c.fn}(${at}) is off by ${ulps} ulp`);
    });
  }

  it('cos keeps an absolute error below 1.2e-7 out to |x| = 6433 (where its argument reduction is exact)', () => {
    let worst = 0;
    for (const x of sweep(7, 6433, 4099)) worst = Math.max(worst, Math.abs(f32Transcendental('cos', x) - Math.cos(x)));
    assert.ok(worst < 1.2e-7, `max |error| ${worst}`);
  });
});

/** Same float32 bits, with NaN equal to NaN. */
const sameF32 = (got: number, want: number): boolean => (Number.isNaN(want) ? Number.isNaN(got) : bitsOf(got) === bitsOf(want));

describe('special values, bit for bit', () => {
  const table: readonly [Transcendental, number, number][] = [
    ['exp', 0, 1], ['exp', -0, 1], ['exp', Infinity, Infinity], ['exp', -Infinity, 0], ['exp', NaN, NaN],
    ['exp', 88.72283, Math.fround(Math.exp(Math.fround(88.72283)))], ['exp', 88.7229, Infinity], ['exp', 1000, Infinity],
    // gradual underflow: subnormal results, then 0
    ['exp', -87.33655, Math.fround(Math.exp(Math.fround(-87.33655)))], ['exp', -100, Math.fround(Math.exp(-100))], ['exp', -103.3, 2 ** -149], ['exp', -104, 0], ['exp', -1e30, 0],
    ['log', 1, 0], ['log', 0, -Infinity], ['log', -0, -Infinity], ['log', -1, NaN], ['log', -Infinity, NaN], ['log', Infinity, Infinity], ['log', NaN, NaN],
    ['log', 2 ** -149, Math.fround(Math.log(2 ** -149))], ['log', 3.4028234663852886e38, Math.fround(Math.log(3.4028234663852886e38))],
    ['tanh', 0, 0], ['tanh', -0, -0], ['tanh', Infinity, 1], ['tanh', -Infinity, -1], ['tanh', 10, 1], ['tanh', -50, -1], ['tanh', NaN, NaN], ['tanh', 2 ** -140, 2 ** -140],
    ['erf', 0, 0], ['erf', -0, -0], ['erf', Infinity, 1], ['erf', -Infinity, -1], ['erf', 4, 1], ['erf', -1e20, -1], ['erf', NaN, NaN],
    ['cos', 0, 1], ['cos', -0, 1], ['cos', Infinity, NaN], ['cos', -Infinity, NaN], ['cos', NaN, NaN],
  ];
  for (const [fn, x, want] of table) {
    it(`${fn}(${Object.is(x, -0) ? '-0' : x}) = ${Object.is(want, -0) ? '-0' : want}`, () => {
      const got = f32Transcendental(fn, x);
      assert.ok(sameF32(got, want), `got ${Object.is(got, -0) ? '-0' : got}`);
    });
  }
});
