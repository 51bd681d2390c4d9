// Hand-derived gradients of the elementwise ops, each against its closed form (float64 throughout).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as g from '../../../src/dsl/index.js';
import type { Tensor } from '../../../src/dsl/index.js';
import { assertClose, evaluate, build, gradsAt } from './helpers.js';

// a weight per element, so each element's cotangent differs (and a dropped cotangent shows)
const W = [0.5, -1.25, 2, 0.75];
const weighted = (t: Tensor, w: Tensor) => g.sum(g.mul(t, w));

describe('unary ops: d sum(w * f(x)) / dx = w * f\'(x)', () => {
  const cases: ReadonlyArray<[string, (t: Tensor) => Tensor, number[], (x: number) => number, number?]> = [
    ['neg', g.neg, [-1.5, 0, 2, 3], () => -1],
    ['abs (0 at the kink)', g.abs, [-1.5, 0, 2, -0.25], (x) => Math.sign(x)],
    ['sqrt', g.sqrt, [0.25, 1, 4, 9], (x) => 0.5 / Math.sqrt(x)],
    ['rsqrt', g.rsqrt, [0.25, 1, 4, 9], (x) => -0.5 * x ** -1.5],
    ['exp', g.exp, [-1, 0, 0.5, 2], Math.exp],
    ['log', g.log, [0.25, 1, 2, 10], (x) => 1 / x],
    ['tanh', g.tanh, [-2, 0, 0.5, 1], (x) => 1 - Math.tanh(x) ** 2],
    ['floor (zero)', g.floor, [-1.5, 0.25, 2.5, 3.75], () => 0],
    // sin through cos(x - pi/2) with pi/2 rounded to f32: ~4.4e-8 absolute error
    ['cos', g.cos, [-1, 0, 0.5, 2], (x) => -Math.sin(x), 1e-7],
  ];
  for (const [name, f, xs, df, tol] of cases) {
    it(name, () => {
      const got = gradsAt({ x: [4], w: [4] }, ({ x, w }) => weighted(f(x), w), { x: xs, w: W }, ['x']);
      assertClose(got.d_x, xs.map((x, i) => W[i] * df(x)), tol ?? 1e-12, name);
    });
  }

  it('d/dx sum(x * x) = 2x (a tensor used twice sums both contributions)', () => {
    const xs = [-1.5, 0, 2, 3];
    assertClose(gradsAt({ x: [4] }, ({ x }) => g.sum(g.mul(x, x)), { x: xs }).d_x, xs.map((x) => 2 * x));
  });
});

describe('binary ops', () => {
  const a = [1.5, -2, 0.5, 3];
  const b = [2, 0.25, -4, 1.5];
  const cases: ReadonlyArray<[string, (x: Tensor, y: Tensor) => Tensor, (x: number, y: number) => [number, number]]> = [
    ['add', g.add, () => [1, 1]],
    ['sub', g.sub, () => [1, -1]],
    ['mul', g.mul, (x, y) => [y, x]],
    ['div', g.div, (x, y) => [1 / y, -x / (y * y)]],
  ];
  for (const [name, f, df] of cases) {
    it(name, () => {
      const got = gradsAt({ a: [4], b: [4], w: [4] }, (i) => weighted(f(i.a, i.b), i.w), { a, b, w: W }, ['a', 'b']);
      assertClose(got.d_a, a.map((x, i) => W[i] * df(x, b[i])[0]), 1e-12, `${name} d/da`);
      assertClose(got.d_b, a.map((x, i) => W[i] * df(x, b[i])[1]), 1e-12, `${name} d/db`);
    });
  }

  it('pow: b a^(b-1) and a^b ln a; 0 where b = 0 (for a), and 0 where a <= 0 (for b)', () => {
    const pa = [2, 0, 0, -2, 1.5, 0];
    const pb = [3, 0, 2, 2, -0.5, 0.5];
    const got = gradsAt({ a: [6], b: [6] }, ({ a: x, b: y }) => g.sum(g.pow(x, y)), { a: pa, b: pb });
    assertClose(got.d_a.slice(0, 5), [12, 0, 0, -4, -0.5 * 1.5 ** -1.5], 1e-12, 'd/da');
    assert.equal(got.d_a[5], Infinity, 'd/da sqrt(a) at a = 0 is infinite');
    assertClose(got.d_b, [8 * Math.LN2, 0, 0, 0, 1.5 ** -0.5 * Math.log(1.5), 0], 1e-12, 'd/db');
  });

  it('maximum and minimum: to the larger (smaller) operand, half each at a tie', () => {
    const x = [1, 2, 3, -1];
    const y = [2, 2, 1, -1];
    const mx = gradsAt({ a: [4], b: [4] }, (i) => g.sum(g.maximum(i.a, i.b)), { a: x, b: y });
    assert.deepEqual([...mx.d_a], [0, 0.5, 1, 0.5]);
    assert.deepEqual([...mx.d_b], [1, 0.5, 0, 0.5]);
    const mn = gradsAt({ a: [4], b: [4] }, (i) => g.sum(g.minimum(i.a, i.b)), { a: x, b: y });
    assert.deepEqual([...mn.d_a], [1, 0.5, 0, 0.5]);
    assert.deepEqual([...mn.d_b], [0, 0.5, 1, 0.5]);
  });

  it('comparisons and logic pass no gradient: the loss is piecewise constant in them', () => {
    const got = gradsAt({ a: [4], b: [4] }, ({ a: x, b: y }) => {
      const cmp = [g.lt, g.le, g.gt, g.ge, g.eq, g.ne].map((f) => f(x, y));
      const logic = [g.logicalAnd(cmp[0], cmp[3]), g.logicalOr(cmp[1], cmp[2]), g.logicalNot(cmp[4])];
      return g.sum(g.concat([...cmp, ...logic].map((t) => g.cast(t, 'f32'))));
    }, { a, b });
    assert.deepEqual([...got.d_a, ...got.d_b], new Array(8).fill(0));
  });
});

describe('where, cast and random', () => {
  it('where sends the cotangent to the branch taken, none to the condition; a scalar branch sums', () => {
    const c = [1, 0, 0, 1];
    const got = gradsAt({ c: { shape: [4], dtype: 'bool' }, a: [], b: [4], w: [4] }, (i) => weighted(g.where(i.c, i.a, i.b), i.w), { c, a: 7, b: [1, 2, 3, 4], w: W }, ['a', 'b']);
    assertClose(got.d_a, [W[0] + W[3]]);
    assertClose(got.d_b, [0, W[1], W[2], 0]);
  });

  it('cast through i32 or bool passes nothing; an f32 path beside it still does', () => {
    const got = gradsAt({ x: [4] }, ({ x }) => g.sum(g.add(g.cast(g.cast(x, 'i32'), 'f32'), g.add(g.cast(g.cast(x, 'bool'), 'f32'), x))), { x: [1.5, -2, 0, 3] });
    assertClose(got.d_x, [1, 1, 1, 1]);
  });

  it('a random draw is a constant of the loss: d sum(x * u) / dx = u', () => {
    const key = g.randomKey(3, 1);
    const u = evaluate(build({ z: [] }, () => ({ u: g.uniform(key, [4]) })), { z: 0 }).u;
    const got = gradsAt({ x: [4], k: { shape: [], dtype: 'i32' } }, ({ x, k }) => g.add(g.sum(g.mul(x, g.uniform(key, [4]))), g.sum(g.normal(k, [4]))), { x: [1, 2, 3, 4], k: key }, ['x']);
    assertClose(got.d_x, u);
  });
});
