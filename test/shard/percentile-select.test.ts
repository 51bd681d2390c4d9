import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from 'fp-ts/lib/Either.js';
import { percentile } from '../../src/optim/index.js';
import { runLocal } from '../../src/shard/index.js';
import type { PercentileInput, PercentileOutcome } from './programs/percentile.js';

const PROGRAM = new URL('./programs/percentile.ts', import.meta.url);

const run = async (W: number, input: PercentileInput) => {
  const out = await runLocal<PercentileInput, PercentileOutcome[]>({ size: W, entry: PROGRAM, input });
  if (E.isLeft(out)) assert.fail(out.left.join('\n'));
  return out.right;
};

/** A seeded xorshift, so the data are the same every run. */
const draws = (seed: number) => {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
};

/** Ties everywhere (many equal scores, many zeros), subnormals, -0, negatives, huge values and an infinity. */
const awkwardValues = (n: number): Float32Array => {
  const next = draws(7);
  const pool = [0, 0, 0, -0, 1e-40, 2e-40, 0.5, 0.5, 0.5, 3, -2, 1e30, Number.POSITIVE_INFINITY];
  return Float32Array.from({ length: n }, (_, i) => (i % 3 === 0 ? pool[Math.floor(next() * pool.length)] : Math.fround((next() - 0.3) * 10 ** Math.floor(next() * 8 - 4))));
};

const QS = [0, 100, 50, 70, (1 - 0.3) * 100, 33.3, 99.99, 0.01];

test('the global percentile, by radix select and by gathering, equals percentile() of every rank\'s values together: W = 1, 2, 4, uneven cuts, an empty rank, ties', async () => {
  const values = awkwardValues(1001);
  const cutsFor: Record<number, number[][]> = { 1: [[0, 1001]], 2: [[0, 1001, 1001], [0, 17, 1001]], 4: [[0, 250, 500, 750, 1001], [0, 0, 3, 900, 1001]] };
  for (const W of [1, 2, 4])
    for (const cuts of cutsFor[W]) {
      const ranks = await run(W, { values, cuts, qs: QS });
      for (const outcomes of ranks)
        QS.forEach((q, i) => {
          const o = outcomes[i];
          assert.ok(!('problems' in o), JSON.stringify(o));
          const expected = percentile(values, q);
          assert.ok(Object.is(o.select, expected), `W=${W} cuts ${cuts} q=${q}: select ${o.select}, percentile() ${expected}`);
          assert.ok(Object.is(o.gather, expected), `W=${W} cuts ${cuts} q=${q}: gather ${o.gather}, percentile() ${expected}`);
        });
    }
});

test('the select moves a few kilobytes whatever the count; gathering moves every value to every rank', async () => {
  const values = awkwardValues(40_000);
  const [r0] = await run(2, { values, cuts: [0, 20_000, 40_000], qs: [70] });
  const o = r0[0];
  assert.ok(!('problems' in o));
  // 2 counts, then 4 rounds of 2 x 256 buckets, each count as two float32 halves, all-reduced: 2 x (W-1)/W of each
  assert.equal(o.selectBytes, 2 * 0.5 * 4 * (4 + 4 * 1024));
  // the four counts of each rank, then every value: (W-1)/W of W x 20,000 floats
  assert.equal(o.gatherBytes, 0.5 * 4 * (2 * 4 + 2 * 20_000));
});

test('a NaN on one rank is refused on every rank, by both ways, before any threshold', async () => {
  const values = Float32Array.from([1, 2, Number.NaN, 4, 5, 6]);
  for (const outcomes of await run(2, { values, cuts: [0, 3, 6], qs: [50] }))
    assert.deepEqual(outcomes[0], { problems: ['1 of the 6 values are NaN: a percentile needs numbers', '1 of the 6 values are NaN: a percentile needs numbers'] });
});
