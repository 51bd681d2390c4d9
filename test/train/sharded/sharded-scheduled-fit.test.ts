import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from 'fp-ts/lib/Either.js';
import * as nn from '../../../src/nn/index.js';
import { createRuntime } from '../../../src/runtime/index.js';
import { runLocal } from '../../../src/shard/index.js';
import { scheduledFit } from '../../../src/train/scheduled-fit.js';
import { blobs, noisyBlobs } from '../blobs.js';
import { MLP_SIZES, mlpGroupTransform, mlpMachine } from './mlp-setup.js';
import type { MlpScheduledInput, MlpScheduledResult } from './programs/mlp-scheduled.js';

const PROGRAM = new URL('./programs/mlp-scheduled.ts', import.meta.url);

const shardedRun = async (W: number, input: MlpScheduledInput) => {
  const out = await runLocal<MlpScheduledInput, MlpScheduledResult>({ size: W, entry: PROGRAM, input });
  if (E.isLeft(out)) assert.fail(out.left.join('\n'));
  return out.right;
};

const bits = (v: Record<string, Float32Array>) => Object.fromEntries(Object.entries(v).map(([k, a]) => [k, Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length))]));
const numbers = (r: Pick<MlpScheduledResult, 'records'>) => r.records.map((x) => [x.epoch, x.depth, x.trainLoss, x.trainAccuracy, x.evalLoss, x.evalAccuracy]);

test('a scheduled run on one rank with one micro-batch gives the bits of the unsharded scheduled fit, thaws and restores included', async () => {
  const rt = await createRuntime({ backend: 'webasm' });
  const model = nn.mlpClassifier(MLP_SIZES);
  const log: string[] = [];
  const ref = await scheduledFit(rt, { model, features: [4], batchSize: 16, seed: 3, machine: mlpMachine(), groupTransform: mlpGroupTransform, log: (l) => log.push(l) }, nn.initParams(model, 5), blobs(64, 1), noisyBlobs(30, 2));
  rt.destroy();
  // the schedule exercises what it claims: two thaws, one of them rolling back to an earlier, shallower best state
  assert.deepEqual(ref.transitions, [{ epoch: 2, depth: 1 }, { epoch: 4, depth: 2 }]);
  assert.ok(log.includes('before epoch 5: restored the best checkpoint (epoch 2, depth 0, validation loss 1.0644)'), log.join('\n'));
  const [r] = await shardedRun(1, { strategy: 'FULL_SHARD', microBatches: 1 });
  assert.deepEqual(numbers(r), numbers(ref));
  assert.deepEqual(bits(r.params), bits({ ...ref.params }));
  assert.deepEqual(r.log, log);
  assert.deepEqual([r.transitions, r.stopReason], [ref.transitions, ref.stopReason]);
});

test('a scheduled run across thaws and a restore-best is bit-identical for W = 1, 2, 4 (FULL_SHARD, 4 micro-batches) and for SHARD_GRAD_OP and NO_SHARD at W = 2', async () => {
  const [one] = await shardedRun(1, { strategy: 'FULL_SHARD', microBatches: 4 });
  assert.equal(one.transitions.length, 2);
  assert.ok(one.log.some((l) => l.startsWith('before epoch 5: restored the best checkpoint')), one.log.join('\n'));
  for (const W of [2, 4])
    for (const r of await shardedRun(W, { strategy: 'FULL_SHARD', microBatches: 4 })) {
      assert.deepEqual(numbers(r), numbers(one), `W=${W}`);
      assert.deepEqual(bits(r.params), bits(one.params), `W=${W}`);
      assert.deepEqual([r.log, r.steps], [one.log, one.steps], `W=${W}`);
    }
  for (const strategy of ['SHARD_GRAD_OP', 'NO_SHARD'] as const)
    for (const r of await shardedRun(2, { strategy, microBatches: 4 })) {
      assert.deepEqual(numbers(r), numbers(one), strategy);
      assert.deepEqual(bits(r.params), bits(one.params), strategy);
    }
});

test('a schedule that splits a flat unit is refused before training, with every problem of the disjointness report', async () => {
  const phases = [['layers.2.weight'], ['layers.2.bias', 'layers.1.weight', 'layers.1.bias'], ['layers.0.weight', 'layers.0.bias']];
  const out = await runLocal<MlpScheduledInput, MlpScheduledResult>({ size: 2, entry: PROGRAM, input: { strategy: 'FULL_SHARD', microBatches: 2, phases } });
  assert.ok(E.isLeft(out));
  const message = out.left.join('\n');
  assert.match(message, /the schedule does not fit the wrap policy's flat units, nothing trained/);
  assert.match(message, /2 problems with the phases over the flat units \(flat flags\)/);
  assert.match(message, /module 'layers\.2' \(Linear\) is split across phase 0, phase 1/);
  assert.match(message, /the flat buffer of .*layers\.2.* spans phase 0, phase 1/);
});
