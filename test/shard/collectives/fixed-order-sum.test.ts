import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sumIsShardInvariant, treeSum } from '../../../src/shard/collectives/index.js';
import { microBatchesOf } from './micro-batches.js';
import { bitDifferences, gradients, oracleTreeSum } from './oracle.js';

/** What a sharded step computes: each rank tree-sums its own micro-batches, then the ranks' partial sums are tree-summed. */
const shardedSum = (grads: Float32Array[], W: number) => treeSum(Array.from({ length: W }, (_, r) => treeSum(microBatchesOf(r, W, grads.length).map((m) => grads[m]))));

test('treeSum equals the scalar float32 tree oracle', () => {
  for (const M of [1, 2, 3, 5, 8, 13]) {
    const grads = gradients(M, M, 97);
    assert.deepEqual(bitDifferences(treeSum(grads), oracleTreeSum(grads)), [], `M=${M}`);
  }
});

test('sharded sums equal the unsharded sum bit for bit for W = 1, 2, 4 and M = 4, 8, 12, 16 micro-batches', () => {
  for (const M of [4, 8, 12, 16])
    for (let seed = 0; seed < 5; seed++) {
      const grads = gradients(seed, M, 211);
      const unsharded = oracleTreeSum(grads);
      for (const W of [1, 2, 4]) {
        assert.ok(sumIsShardInvariant(M, W));
        assert.deepEqual(bitDifferences(shardedSum(grads, W), unsharded), [], `M=${M} W=${W} seed=${seed}`);
      }
    }
});

test('outside the condition (W = 3 of M = 6) the sharded sum can differ: sumIsShardInvariant says no', () => {
  assert.equal(sumIsShardInvariant(6, 3), false);
  assert.equal(sumIsShardInvariant(6, 4), false);
  const differs = [0, 1, 2, 3, 4].some((seed) => {
    const grads = gradients(seed, 6, 211);
    return bitDifferences(shardedSum(grads, 3), oracleTreeSum(grads)).length > 0;
  });
  assert.ok(differs);
});
