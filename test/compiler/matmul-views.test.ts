// Which views a matmul gets copied: the head merge of attention (its index splits the inner or
// column index across heads, not affine), found in every role it plays in a step; affine views
// (the head split, transposes, slices) and broadcasts are left inline.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as E from 'fp-ts/lib/Either.js';
import * as g from '../../src/dsl/index.js';
import { toIR } from '../../src/compiler/ir.js';
import { unstridedViews } from '../../src/compiler/matmul-views.js';
import { mergeHeads, splitHeads } from '../../src/nn/attention.js';

const right = <A>(e: E.Either<unknown, A>): A => {
  if (E.isLeft(e)) throw e.left;
  return e.right;
};

/** The kinds and shapes of the nodes flagged, with only inputs, constants and matmuls materialized. */
const flagged = (prog: E.Either<Error, g.Program>) => {
  const ir = toIR(right(prog));
  const given = (id: number) => ['input', 'constant', 'matmul', 'reduce'].includes(ir.nodes[id].op.kind);
  return [...unstridedViews(ir, given)].map((id) => `${ir.nodes[id].op.kind} [${ir.nodes[id].shape}]`);
};

// batch 2, sequence 5, 3 heads of 4: the merged row is 12 wide, a head's block 4
const heads = { x: [2, 3, 5, 4] };
const merged = (x: g.Tensor) => g.reshape(mergeHeads(x), [10, 12]);

describe('matmul views copied before the product', () => {
  it('the head merge read along k (merged·W), down columns (xᵀ·merged) or rows (mergedᵀ·g): its transpose, in each role', () => {
    assert.deepEqual(flagged(g.program({ ...heads, w: [12, 7] }, ({ x, w }) => ({ y: g.matmul(merged(x), w) }))), ['transpose [2,5,3,4]']);
    assert.deepEqual(flagged(g.program({ ...heads, h: [10, 6] }, ({ x, h }) => ({ y: g.matmul(g.transpose(h), merged(x)) }))), ['transpose [2,5,3,4]']);
    assert.deepEqual(flagged(g.program({ ...heads, gy: [10, 6] }, ({ x, gy }) => ({ y: g.matmul(g.transpose(merged(x)), gy) }))), ['transpose [2,5,3,4]']);
  });

  it('through elementwise work on the merge (a scale, a sum of two merges): every transpose under it', () => {
    const p = g.program({ ...heads, x2: [2, 3, 5, 4], w: [12, 7] }, ({ x, x2, w }) => ({ y: g.matmul(g.add(g.mul(merged(x), 0.5), merged(x2)), w) }));
    assert.deepEqual(flagged(p), ['transpose [2,5,3,4]', 'transpose [2,5,3,4]']);
  });

  it('the head split (q·kᵀ, p·v), a plain transpose, a slice and a row broadcast are affine: nothing copied', () => {
    const split = g.program({ q: [2, 5, 12], k: [2, 5, 12] }, ({ q, k }) => ({ y: g.matmul(splitHeads(q, 3), g.transpose(splitHeads(k, 3), [0, 1, 3, 2])) }));
    assert.deepEqual(flagged(split), []);
    const pv = g.program({ p: [2, 3, 5, 5], v: [2, 5, 12] }, ({ p, v }) => ({ y: g.matmul(p, splitHeads(v, 3)) }));
    assert.deepEqual(flagged(pv), []);
    const plain = g.program({ a: [6, 8], b: [7, 6] }, ({ a, b }) => ({ y: g.matmul(g.transpose(g.slice(a, [0, 2], [6, 7])), g.transpose(b)) }));
    assert.deepEqual(flagged(plain), []);
    const rows = g.program({ a: [6, 1], b: [4, 7] }, ({ a, b }) => ({ y: g.matmul(g.broadcastTo(a, [6, 4]), b) }));
    assert.deepEqual(flagged(rows), []);
  });

  it('a broadcast whose index is not affine: the value of the operand gets the buffer (a copy of the broadcast would outgrow its source)', () => {
    // [2, 3, 4] times a per-row value, read as [6, 4]: the broadcast's leading axis is (r / 3) of a flat index
    const p = g.program({ a: [2, 3, 4], s: [2, 1, 1], b: [4, 5] }, ({ a, s, b }) => ({ y: g.matmul(g.reshape(g.mul(a, s), [6, 4]), b) }));
    assert.deepEqual(flagged(p), ['binary [2,3,4]']);
  });
});
