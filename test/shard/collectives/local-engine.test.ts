import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from 'fp-ts/lib/Either.js';
import { runLocal } from '../../../src/shard/collectives/index.js';
import type { AllOpsInput, AllOpsResult } from './programs/all-ops.js';
import type { FaultyInput } from './programs/faulty.js';
import { bitDifferences, gradients, oracleF64, oracleLeftFold, oracleTreeSum } from './oracle.js';
import { rankMarker } from './micro-batches.js';

const ALL_OPS = new URL('./programs/all-ops.ts', import.meta.url);
const FAULTY = new URL('./programs/faulty.ts', import.meta.url);

const allOps = async (size: number, input: AllOpsInput, slotFloats?: number): Promise<AllOpsResult[]> => {
  const out = await runLocal<AllOpsInput, AllOpsResult>({ size, entry: ALL_OPS, input, ...(slotFloats ? { slotFloats } : {}) });
  if (E.isLeft(out)) assert.fail(out.left.join('\n'));
  return out.right;
};

const input: AllOpsInput = { seed: 7, microBatches: 8, length: 301, root: 1 };

test('the test data makes float32 sums order-dependent (a left fold differs from the tree)', () => {
  const grads = gradients(input.seed, input.microBatches, input.length);
  assert.ok(bitDifferences(oracleTreeSum(grads), oracleLeftFold(grads)).length > 0);
});

for (const slotFloats of [undefined, 13]) {
  test(`local engine, W = 1, 2, 4${slotFloats ? `, pieces of ${slotFloats} floats` : ''}: every collective equals the oracle, and sums are bit-identical across W`, async () => {
    const grads = gradients(input.seed, input.microBatches, input.length);
    const tree = oracleTreeSum(grads);
    const f64 = oracleF64(grads);
    for (const W of [1, 2, 4]) {
      const ranks = await allOps(W, input, slotFloats);
      const chunk = Math.ceil(input.length / W);
      const padded = new Float32Array(chunk * W);
      padded.set(tree);
      for (const r of ranks) {
        assert.deepEqual(bitDifferences(r.sum, tree), [], `W=${W} rank ${r.rank}: allReduce`);
        assert.deepEqual(bitDifferences(r.block, padded.subarray(r.rank * chunk, (r.rank + 1) * chunk)), [], `W=${W} rank ${r.rank}: reduceScatter`);
        assert.deepEqual(bitDifferences(r.gathered, padded), [], `W=${W} rank ${r.rank}: allGather`);
        assert.deepEqual(bitDifferences(r.broadcast, rankMarker(input.root % W, input.length)), [], `W=${W} rank ${r.rank}: broadcast`);
        r.sum.forEach((v, i) => assert.ok(Math.abs(v - f64[i]) <= 1e-5 * Math.max(1, Math.abs(f64[i])) + 1e-3, `W=${W} element ${i}: ${v} vs float64 ${f64[i]}`));
      }
    }
  });
}

test('local engine: a worker that exits mid-run makes every other rank fail naming it, W = 2 and 4', async () => {
  for (const W of [2, 4]) {
    const out = await runLocal<FaultyInput, number>({ size: W, entry: FAULTY, input: { victim: 1, fault: 'exit' } });
    assert.ok(E.isLeft(out));
    assert.ok(out.left.includes('rank 1: worker exited (code 3) without a result'), out.left.join('\n'));
    for (const r of [0, 2, 3].filter((k) => k < W))
      assert.ok(out.left.includes(`rank ${r}: collective #2 (allReduce) failed: rank 1 was lost: its worker exited (code 3) before joining`), out.left.join('\n'));
    assert.equal(out.left.length, W);
  }
});

test('local engine: a rank that throws is reported with its error, and its peers fail naming it', async () => {
  const out = await runLocal<FaultyInput, number>({ size: 2, entry: FAULTY, input: { victim: 0, fault: 'throw' } });
  assert.ok(E.isLeft(out));
  assert.deepEqual(out.left, [
    'rank 0: worker exited (code 1) without a result: rank 0 fails on purpose',
    'rank 1: collective #2 (allReduce) failed: rank 0 was lost: its worker exited (code 1) before joining',
  ]);
});

test('local engine: ranks that pass different lengths all fail, each naming every rank\'s call', async () => {
  const out = await runLocal<FaultyInput, number>({ size: 2, entry: FAULTY, input: { victim: 1, fault: 'length' } });
  assert.ok(E.isLeft(out));
  const why = 'collective #2 (allReduce) failed: ranks disagree on the call: rank 0: allReduce(length 4); rank 1: allReduce(length 5)';
  assert.deepEqual(out.left, [`rank 0: ${why}`, `rank 1: ${why}`]);
});

test('local engine: a live rank that does not arrive within timeoutMs is named by its waiting peer', async () => {
  const out = await runLocal<FaultyInput, number>({ size: 2, entry: FAULTY, input: { victim: 1, fault: 'late', lateMs: 4000 }, timeoutMs: 1000 });
  assert.ok(E.isLeft(out));
  assert.ok(out.left.includes('rank 0: collective #2 (allReduce) failed: timed out after 1000 ms waiting for rank(s) 1'), out.left.join('\n'));
});

test('local engine: a reduceScatter length that W does not divide is refused on every rank before anything moves', async () => {
  const out = await runLocal<AllOpsInput, AllOpsResult>({ size: 3, entry: ALL_OPS, input: { ...input, length: 300 } });
  assert.ok(E.isRight(out), 'padded lengths work for W = 3');
  const bad = await runLocal({ size: 2, entry: new URL('./programs/bad-reduce-scatter.ts', import.meta.url), input: null });
  assert.ok(E.isLeft(bad));
  const why = 'collective #1 (reduceScatter) failed: length 5 is not a multiple of the 2 ranks (pad it, as shardLayout does)';
  assert.deepEqual(bad.left, [`rank 0: ${why}`, `rank 1: ${why}`]);
});

test('local engine: a collective started before the previous one resolved is refused, naming both', async () => {
  const out = await runLocal({ size: 1, entry: new URL('./programs/overlapping.ts', import.meta.url), input: null });
  assert.ok(E.isLeft(out));
  assert.deepEqual(out.left, ['rank 0: collective #2 (allReduce) failed: started while collective #1 is still running: await each collective before the next']);
});

test('local engine: the event loop stays live during a 16 MiB all-reduce (timers fire on every rank)', async () => {
  const ticks = await runLocal<null, number>({ size: 2, entry: new URL('./programs/live-loop.ts', import.meta.url), input: null });
  if (E.isLeft(ticks)) assert.fail(ticks.left.join('\n'));
  // rank 0 waits about 100 ms for the late ranks: its timer must fire meanwhile
  assert.ok(ticks.right[0] > 0, 'rank 0: no timer tick while it waited for the other ranks');
});

test('local engine: a worker that does not start within startTimeoutMs is named by its peer, which fails before any collective', async () => {
  const out = await runLocal({ size: 2, entry: new URL('./programs/slow-start.ts', import.meta.url), input: null, startTimeoutMs: 500 });
  assert.ok(E.isLeft(out));
  assert.ok(out.left.includes('rank 0: joining the run failed: timed out after 500 ms waiting for rank(s) 1 to start'), out.left.join('\n'));
});
