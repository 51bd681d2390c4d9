import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from 'fp-ts/lib/Either.js';
import * as nn from '../../../src/nn/index.js';
import { createRuntime } from '../../../src/runtime/index.js';
import { runLocal } from '../../../src/shard/index.js';
import { fit } from '../../../src/train/fit.js';
import { blobs } from '../blobs.js';
import { MLP_SIZES, transformOf, type OptimizerChoice } from './mlp-setup.js';
import type { MlpFitInput, MlpFitResult } from './programs/mlp-fit.js';
import { unshardedMicroFisher, unshardedMicroFit } from './reference.js';

const PROGRAM = new URL('./programs/mlp-fit.ts', import.meta.url);

const shardedRun = async (W: number, input: MlpFitInput) => {
  const out = await runLocal<MlpFitInput, MlpFitResult>({ size: W, entry: PROGRAM, input });
  if (E.isLeft(out)) assert.fail(out.left.join('\n'));
  return out.right.map((r) => {
    if (!r.ok) assert.fail(r.message);
    return r;
  });
};

const sameBits = (a: Record<string, Float32Array>, b: Record<string, Float32Array>, what: string) => {
  assert.deepEqual(Object.keys(a).sort(), Object.keys(b).sort(), what);
  for (const k of Object.keys(a)) assert.deepEqual(new Uint32Array(a[k].buffer, a[k].byteOffset, a[k].length), new Uint32Array(b[k].buffer, b[k].byteOffset, b[k].length), `${what}: ${k}`);
};

for (const optimizer of ['adamw', 'childTuningF', 'childTuningD'] as OptimizerChoice[])
  test(`sharded fit (${optimizer}, FULL_SHARD, 4 micro-batches, clipped): W = 1, 2, 4 give the bits of the unsharded micro-batched reference`, async () => {
    const input: MlpFitInput = { strategy: 'FULL_SHARD', microBatches: 4, epochs: 2, optimizer, maxGradNorm: 0.5 };
    const rt = await createRuntime({ backend: 'webasm' });
    const ref = await unshardedMicroFit(rt, input);
    rt.destroy();
    assert.ok(ref.losses[ref.losses.length - 1] < ref.losses[0], 'the reference learns');
    for (const W of [1, 2, 4]) {
      const ranks = await shardedRun(W, input);
      for (const r of ranks) {
        assert.deepEqual(r.losses, ref.losses, `W=${W}: losses`);
        sameBits(r.params, ref.params, `W=${W}`);
      }
    }
  });

for (const strategy of ['SHARD_GRAD_OP', 'NO_SHARD'] as const)
  test(`sharded fit (${strategy}): W = 2, 4 give the bits of the unsharded micro-batched reference`, async () => {
    const input: MlpFitInput = { strategy, microBatches: 4, epochs: 1, optimizer: 'childTuningF', maxGradNorm: 0.5 };
    const rt = await createRuntime({ backend: 'webasm' });
    const ref = await unshardedMicroFit(rt, input);
    rt.destroy();
    for (const W of [2, 4])
      for (const r of await shardedRun(W, input)) {
        assert.deepEqual(r.losses, ref.losses, `W=${W}: losses`);
        sameBits(r.params, ref.params, `W=${W}`);
      }
  });

test('frozen units keep their values and get no optimizer state; the trained ones match the reference', async () => {
  const trainable = ['layers.1.weight', 'layers.1.bias', 'layers.2.weight', 'layers.2.bias'];
  const input: MlpFitInput = { strategy: 'FULL_SHARD', microBatches: 2, epochs: 1, optimizer: 'adamw', trainable };
  const rt = await createRuntime({ backend: 'webasm' });
  const ref = await unshardedMicroFit(rt, input);
  rt.destroy();
  const p0 = nn.initParams(nn.mlpClassifier(MLP_SIZES), 5);
  for (const r of await shardedRun(2, input)) {
    sameBits(r.params, ref.params, 'W=2');
    sameBits({ w: r.params['layers.0.weight'], b: r.params['layers.0.bias'] }, { w: p0['layers.0.weight'], b: p0['layers.0.bias'] }, 'frozen unit');
    assert.deepEqual(r.optLeaves.filter((k) => k.includes('layers.0.')), []);
    assert.ok(r.optLeaves.some((k) => k.includes('layers.1.')));
  }
});

test('a unit that mixes trainable and frozen parameters is refused, naming it and both kinds', async () => {
  const out = await runLocal<MlpFitInput, MlpFitResult>({ size: 1, entry: PROGRAM, input: { strategy: 'FULL_SHARD', microBatches: 1, epochs: 1, optimizer: 'adamw', trainable: ['layers.0.weight'] } });
  assert.ok(E.isLeft(out));
  assert.match(out.left.join('\n'), /unit 'layers\.0' mixes trainable \(layers\.0\.weight\) and frozen \(layers\.0\.bias\) parameters/);
});

test('W = 1 with one micro-batch trains the bits of the fused unsharded fit (no clipping)', async () => {
  const rt = await createRuntime({ backend: 'webasm' });
  const model = nn.mlpClassifier(MLP_SIZES);
  for (const optimizer of ['adamw', 'childTuningF'] as OptimizerChoice[]) {
    const fused = await fit(rt, { model, transform: transformOf(optimizer), features: [4], epochs: 2, batchSize: 16, seed: 3 }, nn.initParams(model, 5), blobs(64, 1), blobs(30, 2));
    const [r] = await shardedRun(1, { strategy: 'FULL_SHARD', microBatches: 1, epochs: 2, optimizer });
    assert.deepEqual(r.records.map((x) => [x.trainLoss, x.trainAccuracy, x.evalLoss, x.evalAccuracy]), fused.records.map((x) => [x.trainLoss, x.trainAccuracy, x.evalLoss, x.evalAccuracy]), optimizer);
    sameBits(r.params, { ...fused.params }, optimizer);
  }
  rt.destroy();
});

/** The whole masks from every rank's pieces (a piece held by several ranks, as under NO_SHARD, must agree). */
const assembleMasks = (ranks: readonly MlpFitResult[], like: Readonly<Record<string, Uint8Array>>) => {
  const whole = Object.fromEntries(Object.entries(like).map(([n, m]) => [n, new Uint8Array(m.length).fill(2)]));
  for (const r of ranks)
    for (const [n, p] of Object.entries(r.ok ? r.fisher!.pieces : {}))
      p.mask.forEach((b, j) => {
        assert.ok(whole[n][p.start + j] === 2 || whole[n][p.start + j] === b, `${n}[${p.start + j}] differs between ranks`);
        whole[n][p.start + j] = b;
      });
  return whole;
};

/** Small enough that most batches clip the weights' gradients, each by its own norm across ranks. */
const CLIP = 0.02;

for (const percentile of ['select', 'gather'] as const)
  test(`Child-Tuning D under shards (${percentile}): each rank scores its own pieces, and the global threshold gives the unsharded micro-batched masks bit for bit (W = 1, 2, 4, ties at 0 kept), then the reference's training bits`, async () => {
    const rt = await createRuntime({ backend: 'webasm' });
    // reserveP 0.3: a threshold between two scores; 0.8: the threshold is 0, where 43 of the 120 scores tie
    const refs = { 0.3: await unshardedMicroFisher(rt, 4, 0.3, CLIP), 0.8: await unshardedMicroFisher(rt, 4, 0.8, CLIP) };
    assert.ok(refs[0.3].threshold > 0 && refs[0.3].kept === 36, 'the reference keeps the top 30%');
    assert.equal(refs[0.8].threshold, 0);
    assert.equal(refs[0.8].keptFraction, 1, 'every score tied at the threshold is kept');
    const input: MlpFitInput = { strategy: 'FULL_SHARD', microBatches: 4, epochs: 1, optimizer: 'childTuningD', fisher: { reserveP: 0.3, percentile, maxGradNorm: CLIP } };
    const trained = await unshardedMicroFit(rt, input, refs[0.3].masks as Record<string, Uint8Array>);
    rt.destroy();
    for (const W of [1, 2, 4]) {
      const ranks = await shardedRun(W, input);
      assert.deepEqual(assembleMasks(ranks, refs[0.3].masks), refs[0.3].masks, `W=${W}: masks`);
      for (const r of ranks) {
        assert.ok(r.ok);
        assert.equal(r.fisher!.threshold, refs[0.3].threshold, `W=${W}: threshold`);
        assert.equal(r.fisher!.keptFraction, refs[0.3].keptFraction, `W=${W}: kept`);
        assert.deepEqual(r.losses, trained.losses, `W=${W}: losses`);
        sameBits(r.params, trained.params, `W=${W}`);
      }
    }
    for (const strategy of ['NO_SHARD', 'SHARD_GRAD_OP'] as const) {
      const ranks = await shardedRun(2, { ...input, strategy, fisher: { reserveP: 0.8, percentile, maxGradNorm: CLIP } });
      assert.deepEqual(assembleMasks(ranks, refs[0.8].masks), refs[0.8].masks, `${strategy}: masks`);
      for (const r of ranks) assert.equal(r.ok && r.fisher!.threshold, 0);
    }
  });
