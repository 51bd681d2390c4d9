// Length-grouped batches: hand-derived groups, every example once, the same batches for the same seed and epoch;
// padded lengths and row cutting by hand.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cropRows, paddedLength, lengthGroupedBatches } from '../../../src/train/data/length-buckets.js';
import { batches, permutation } from '../../../src/train/data/shuffle.js';

const sorted = (bs: Int32Array[]) => bs.map((b) => [...b]).sort((x, y) => x[0] - y[0]);

describe('length-grouped batches', () => {
  it('one group: examples sorted longest first, cut into batches (their order shuffled)', () => {
    // lengths by index: 0:5 1:1 2:4 3:2 4:3 5:6 -> longest first 5,0,2,4,3,1
    const bs = lengthGroupedBatches([5, 1, 4, 2, 3, 6], 2, 7, 0, 3);
    assert.deepEqual(sorted(bs), [[2, 4], [3, 1], [5, 0]]);
  });

  it('groups of one batch: each batch is the shuffle\'s next pair, longest first', () => {
    const lengths = Array.from({ length: 40 }, (_, i) => (i * 7) % 13);
    const want = batches(permutation(40, 3, 2), 4).map((b) => [...b].sort((a, c) => lengths[c] - lengths[a] || [...b].indexOf(a) - [...b].indexOf(c)));
    assert.deepEqual(sorted(lengthGroupedBatches(lengths, 4, 3, 2, 1)), want.sort((x, y) => x[0] - y[0]));
  });

  it('every example once; the same seed and epoch give the same batches, another epoch others', () => {
    const lengths = Array.from({ length: 300 }, (_, i) => 1 + ((i * 37) % 50));
    const a = lengthGroupedBatches(lengths, 10, 1, 0, 5);
    assert.deepEqual([...a.flatMap((b) => [...b])].sort((x, y) => x - y), Array.from({ length: 300 }, (_, i) => i));
    assert.deepEqual(a, lengthGroupedBatches(lengths, 10, 1, 0, 5));
    assert.notDeepEqual(a, lengthGroupedBatches(lengths, 10, 1, 1, 5));
    // within a batch the lengths are close: sorted groups of 50 from lengths 1..50 spread at most ~10 apart
    const spread = a.map((b) => Math.max(...[...b].map((i) => lengths[i])) - Math.min(...[...b].map((i) => lengths[i])));
    assert.ok(Math.max(...spread) < 25, `spread ${Math.max(...spread)}`);
  });

  it('a short last batch is dropped, or kept', () => {
    assert.equal(lengthGroupedBatches([1, 2, 3, 4, 5], 2, 0, 0).length, 2);
    assert.deepEqual(lengthGroupedBatches([1, 2, 3, 4, 5], 2, 0, 0, 50, false).map((b) => b.length).sort(), [1, 2, 2]);
  });
});

describe('padding a batch', () => {
  it('to its longest row rounded up to the multiple, at most the full length', () => {
    const lengths = [3, 9, 17, 5];
    assert.equal(paddedLength(lengths, [0, 3], 8, 32), 8);
    assert.equal(paddedLength(lengths, [0, 1], 8, 32), 16);
    assert.equal(paddedLength(lengths, [2], 8, 20), 20);
    assert.equal(paddedLength(lengths, [0, 3], 1, 32), 5);
  });

  it('cuts each [3, seq] row to its first values per channel', () => {
    // two rows of [3, 4]: row r channel c position t holds 100r + 10c + t
    const x = Float32Array.from({ length: 24 }, (_, i) => 100 * Math.floor(i / 12) + 10 * Math.floor((i % 12) / 4) + (i % 4));
    assert.deepEqual([...cropRows(x, 2, [3, 4], 2)], [0, 1, 10, 11, 20, 21, 100, 101, 110, 111, 120, 121]);
    assert.equal(cropRows(x, 2, [3, 4], 4), x);
  });
});
