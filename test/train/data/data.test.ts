import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IMAGE_SIZE, loadDigits, take } from '../../../src/train/data/mnist.js';
import { batches, permutation } from '../../../src/train/data/shuffle.js';

test('mnist digits load deterministically with their labels', () => {
  const d = loadDigits([3, 7]);
  assert.ok(d.count > 1900 && d.count < 2200, `${d.count} images`);
  assert.equal(d.images.length, d.count * IMAGE_SIZE);
  assert.deepEqual([...new Set(d.labels)], [3, 7]);
  assert.ok(d.images.every((v) => v >= 0 && v <= 1));
  // an image of a digit has ink: between 5% and 60% of its pixels are non-zero
  const ink = d.images.subarray(0, IMAGE_SIZE).filter((v) => v > 0).length / IMAGE_SIZE;
  assert.ok(ink > 0.05 && ink < 0.6, `ink ${ink}`);
  const again = loadDigits([3, 7]);
  assert.deepEqual(again.images.subarray(0, 2000), d.images.subarray(0, 2000));
  const sub = take(d, [5, 0]);
  assert.deepEqual(sub.images.subarray(IMAGE_SIZE), d.images.subarray(0, IMAGE_SIZE));
  assert.deepEqual(Array.from(sub.labels), [d.labels[5], d.labels[0]]);
  assert.throws(() => loadDigits([10]), /digit class 10 is not 0\.\.9/);
});

test('seeded permutations are permutations, reproducible, and differ by seed and epoch', () => {
  const p = permutation(1000, 7, 0);
  assert.deepEqual([...p].sort((a, b) => a - b), Array.from({ length: 1000 }, (_, i) => i));
  assert.deepEqual(permutation(1000, 7, 0), p);
  assert.notDeepEqual(permutation(1000, 7, 1), p);
  assert.notDeepEqual(permutation(1000, 8, 0), p);
  // uniformity, roughly: element 0 lands in each tenth about equally often over many streams
  const tenths = new Array(10).fill(0);
  for (let s = 0; s < 2000; s++) tenths[Math.floor(permutation(100, 1, s).indexOf(0) / 10)]++;
  for (const t of tenths) assert.ok(Math.abs(t - 200) < 5 * Math.sqrt(200 * 0.9), `${tenths}`);
});

test('batches cover the order, the last one short unless dropped', () => {
  const order = Int32Array.from({ length: 10 }, (_, i) => 9 - i);
  assert.deepEqual(batches(order, 4).map((b) => Array.from(b)), [[9, 8, 7, 6], [5, 4, 3, 2], [1, 0]]);
  assert.deepEqual(batches(order, 4, true).length, 2);
});
