import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import * as nn from '../../../src/nn/index.js';
import { createRuntime } from '../../../src/runtime/index.js';
import { runLocal } from '../../../src/shard/index.js';
import { loadCheckpoint } from '../../../src/train/checkpoint/index.js';
import { scheduledFit } from '../../../src/train/scheduled-fit.js';
import { CONSOLIDATED_FILE } from '../../../src/train/sharded/sharded-fit.js';
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

test('a scheduled run stopped and resumed with another W (2 → 4 → 1) across a thaw, then restoring the best state it wrote, trains the bits of the run that never stopped', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'graft-sharded-scheduled-'));
  const ckpt = join(dir, 'ckpt');
  const base: MlpScheduledInput = { strategy: 'FULL_SHARD', microBatches: 4 };
  const [whole] = await shardedRun(1, base);
  // phase 1 thaws before epoch 3; phase 2 thaws before epoch 5 and rolls back to the best state (after epoch 2), which
  // the W = 1 part only has from the file the W = 2 part wrote
  assert.ok(whole.log.includes('before epoch 5: restored the best checkpoint (epoch 2, depth 0, validation loss 1.0644)'), whole.log.join('\n'));
  const [first] = await shardedRun(2, { ...base, checkpoint: ckpt, stopAfter: 3 });
  assert.deepEqual(readdirSync(ckpt).sort(), ['best.epoch-2.safetensors', CONSOLIDATED_FILE, 'index.json', 'rank-0-of-2.step-12.safetensors', 'rank-1-of-2.step-12.safetensors']);
  const [second] = await shardedRun(4, { ...base, checkpoint: ckpt, resume: true, stopAfter: 4 });
  assert.equal(readdirSync(ckpt).filter((f) => f.startsWith('rank-')).length, 4, 'the W=4 set replaced the W=2 files');
  const [third] = await shardedRun(1, { ...base, checkpoint: ckpt, resume: true });
  assert.deepEqual([first, second, third].map((r) => r.records.map((x) => x.epoch)), [[1, 2, 3], [4], [5, 6]]);
  // each epoch's record goes out before its checkpoint: a stop between them leaves metrics ahead, never behind
  assert.deepEqual([first, second, third].map((r) => r.checkpointedAtRecord), [[0, 1, 2], [3], [4, 5]]);
  assert.deepEqual([...first.records, ...second.records, ...third.records].map((x) => [x.epoch, x.depth, x.trainLoss, x.trainAccuracy, x.evalLoss, x.evalAccuracy]), numbers(whole));
  assert.deepEqual([...first.log, ...second.log, ...third.log], whole.log);
  assert.deepEqual([third.transitions, third.stopReason, third.steps], [whole.transitions, whole.stopReason, whole.steps]);
  assert.deepEqual(bits(third.params), bits(whole.params));
  // the last consolidated file: a plain checkpoint of the final parameters, with the phase machine's progress
  const consolidated = loadCheckpoint(join(ckpt, CONSOLIDATED_FILE), { params: nn.paramShapes(nn.mlpClassifier(MLP_SIZES)) });
  if (E.isLeft(consolidated)) assert.fail(consolidated.left.map((p) => p.message).join('\n'));
  assert.deepEqual([consolidated.right.meta.epoch, consolidated.right.meta.phaseDepth, consolidated.right.meta.best], [6, 2, { metric: consolidated.right.meta.best!.metric, depth: 0, epoch: 1 }]);
  assert.deepEqual(bits(consolidated.right.params), bits(whole.params));
  rmSync(dir, { recursive: true, force: true });
});

test('a scheduled set whose files disagree (a rank file from a later epoch, a replaced best state) is refused before training, every problem listed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'graft-sharded-scheduled-'));
  const [a, b] = [join(dir, 'a'), join(dir, 'b')];
  const base: MlpScheduledInput = { strategy: 'FULL_SHARD', microBatches: 2 };
  await shardedRun(2, { ...base, checkpoint: a, stopAfter: 3 });
  await shardedRun(2, { ...base, checkpoint: b, stopAfter: 4 });
  // rank 1's file after epoch 4 (step 16, phase state one validation on) under the name of the one after epoch 3
  copyFileSync(join(b, 'rank-1-of-2.step-16.safetensors'), join(a, 'rank-1-of-2.step-12.safetensors'));
  copyFileSync(join(b, 'rank-0-of-2.step-16.safetensors'), join(a, 'best.epoch-2.safetensors'));
  const out = await runLocal<MlpScheduledInput, MlpScheduledResult>({ size: 2, entry: PROGRAM, input: { ...base, checkpoint: a, resume: true } });
  assert.ok(E.isLeft(out));
  const message = out.left.join('\n');
  assert.match(message, /cannot resume:/);
  assert.match(message, /rank-1-of-2\.step-12\.safetensors: step 16, but the index says 12/);
  assert.match(message, /rank-1-of-2\.step-12\.safetensors: phase state phase depth 1, best after epoch 2 \([\d.]+\), 2 validation\(s\) without improvement, 2 group\(s\), but the index says phase depth 1, best after epoch 2 \([\d.]+\), 1 validation\(s\) without improvement, 2 group\(s\)/);
  assert.match(message, /best\.epoch-2\.safetensors: checksum [0-9a-f]+, but the index recorded [0-9a-f]+: the file was replaced/);
  assert.match(message, /best\.epoch-2\.safetensors: holds the state after epoch 4, but the phase machine's best is after epoch 2/);
  rmSync(dir, { recursive: true, force: true });
});
