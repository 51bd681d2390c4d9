// Row reductions (reduce-lanes.ts): max with the f32x4 lanes over the reduced axis, exact; sums stay in
// index order (the f32 interpreter's bits, a Math.fround model of it), within its derived error bound of
// the float64 sum, and the same bits whatever split of the outputs runs them (vector groups and scalar tail alike).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as E from 'fp-ts/lib/Either.js';
import * as g from '../../../src/dsl/index.js';
import { compile } from '../../../src/compiler/index.js';
import type { Plan } from '../../../src/compiler/plan.js';
import type { KNode } from '../../../src/compiler/kernel-ir/types.js';
import { reducedLanes } from '../../../src/compiler/wasm/reduce-lanes.js';
import { runPlan } from './run-plan.js';
import { mixedValues } from './mixed-values.js';

const f = Math.fround;
const U = 2 ** -24;

const right = <A>(e: E.Either<unknown, A>): A => {
  if (E.isLeft(e)) throw e.left;
  return e.right;
};

/** Values of mixed sign and magnitude (so the order of a sum shows in its bits). */
const values = (n: number, seed: number): Float32Array => mixedValues(n, seed, 12);

/** The IR's order in f32: from 0, each element in index order. */
const indexOrderSum = (row: Float32Array): number => row.reduce((r, v) => f(r + v), 0);

/** gamma_d = d u / (1 - d u): the relative error bound of a sum whose tree is d additions deep (Higham, 4.2). */
const gamma = (d: number) => (d * U) / (1 - d * U);

const accumulations = (plan: Plan): Array<Extract<KNode, { op: 'accumulate' }>> =>
  plan.kernelIR!.flatMap((k) => k.nodes.filter((n): n is Extract<KNode, { op: 'accumulate' }> => n.op === 'accumulate'));

// 37 rows: nine groups of four outputs and a one-output tail; rows whose length leaves a tail of 0-3
for (const cols of [8, 13, 128, 130]) {
  describe(`row reductions over ${cols} columns: max with lanes over the row, sums in index order`, () => {
    const rows = 37;
    const x = values(rows * cols, cols);
    const prog = right(g.program({ x: [rows, cols] }, ({ x }) => ({ s: g.sum(x, { axes: 1 }), m: g.max(x, { axes: 1 }) })));
    const plan = compile(prog);
    const row = (i: number) => x.subarray(i * cols, (i + 1) * cols);

    it('max takes the lanes-over-the-row form, a sum does not (its order would differ from the IR\'s)', () => {
      const accs = accumulations(plan);
      assert.ok(accs.length >= 2, `${accs.length} accumulations`);
      // max starts from the first element: 7 more are too few for the lanes form
      for (const a of accs.filter((a) => a.fn === 'max' && a.count - a.start >= 8)) assert.ok(reducedLanes(a, () => true), `accumulation ${a.id} (max)`);
      for (const a of accs.filter((a) => a.fn === 'sum')) assert.equal(reducedLanes(a, () => true), undefined, `accumulation ${a.id} (sum)`);
    });

    for (const cuts of [[], [1], [6, 30], [1, 2, 3, 5, 36]]) {
      it(`sums in index order and maxes exactly, outputs split at [${cuts}]`, () => {
        const out = runPlan(plan, { x }, cuts);
        const want = Float32Array.from({ length: rows }, (_, i) => indexOrderSum(row(i)));
        assert.deepEqual(new Uint32Array(out.s.buffer), new Uint32Array(want.buffer), 'sum bits');
        const max = Float32Array.from({ length: rows }, (_, i) => Math.max(...row(i)));
        assert.deepEqual(Array.from(out.m), Array.from(max), 'max');
      });
    }

    it('stays within its error bound of the float64 sum', () => {
      const out = runPlan(plan, { x }, []);
      // one addition per element, in a chain
      const depth = cols;
      for (let i = 0; i < rows; i++) {
        const r = row(i);
        const exact = r.reduce((a, v) => a + v, 0);
        const abs = r.reduce((a, v) => a + Math.abs(v), 0);
        assert.ok(Math.abs(out.s[i] - exact) <= gamma(depth) * abs, `row ${i}: ${out.s[i]} vs ${exact}, bound ${gamma(depth) * abs}`);
      }
    });
  });
}

describe('softmax over rows (max, exp of the difference, sum) through the lanes form', () => {
  const rows = 9;
  const cols = 128;
  const x = values(rows * cols, 3).map((v) => v / 64);
  const prog = right(g.program({ x: [rows, cols] }, ({ x }) => {
    const m = g.max(x, { axes: 1, keepDims: true });
    const e = g.exp(g.sub(x, m));
    return { p: g.div(e, g.sum(e, { axes: 1, keepDims: true })) };
  }));
  it('matches float64 softmax within 8 ulp per element plus the sum bound', () => {
    const out = runPlan(compile(prog), { x }, [5]);
    for (let i = 0; i < rows; i++) {
      const r = Array.from(x.subarray(i * cols, (i + 1) * cols));
      const m = Math.max(...r);
      const e = r.map((v) => Math.exp(v - m));
      const z = e.reduce((a, b) => a + b, 0);
      // exp rounded once (u), the sum (gamma of its depth, all terms positive), the division (u)
      const tol = 2 * U + gamma(Math.floor(cols / 4) + 3) + 8 * U;
      e.forEach((v, j) => assert.ok(Math.abs(out.p[i * cols + j] - v / z) <= tol * (v / z), `p[${i}, ${j}]: ${out.p[i * cols + j]} vs ${v / z}`));
    }
  });
});
