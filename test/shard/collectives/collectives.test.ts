import { test } from 'node:test';
import assert from 'node:assert/strict';
import { argumentProblem, failureMessage } from '../../../src/shard/collectives/collectives.js';

test('argumentProblem: what each rank refuses on its own, before anything moves', () => {
  assert.equal(argumentProblem('allReduce', 4, new Float32Array(7)), undefined);
  assert.equal(argumentProblem('reduceScatter', 4, new Float32Array(8)), undefined);
  assert.equal(argumentProblem('reduceScatter', 4, new Float32Array(6)), 'length 6 is not a multiple of the 4 ranks (pad it, as shardLayout does)');
  assert.equal(argumentProblem('broadcast', 4, new Float32Array(1), 3), undefined);
  assert.equal(argumentProblem('broadcast', 4, new Float32Array(1), 4), 'root 4 is not a rank in 0..3');
  assert.equal(argumentProblem('broadcast', 4, new Float32Array(1), 1.5), 'root 1.5 is not a rank in 0..3');
  assert.equal(argumentProblem('allGather', 2, new Float64Array(2) as unknown as Float32Array), 'expected a Float32Array, got [object Float64Array]');
});

test('failureMessage names the rank, the call number and the operation (call 0: joining the run)', () => {
  assert.equal(failureMessage({ rank: 0, op: 'barrier', call: 0, message: 'timed out' }), 'rank 0: joining the run failed: timed out');
  assert.equal(failureMessage({ rank: 2, op: 'allGather', call: 5, message: 'rank 1 was lost', lostRank: 1 }), 'rank 2: collective #5 (allGather) failed: rank 1 was lost');
});
