import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from 'fp-ts/lib/Either.js';
import * as nn from '../../../src/nn/index.js';
import * as o from '../../../src/optim/index.js';
import { compile } from '../../../src/compiler/index.js';
import { createRuntime, type Runtime } from '../../../src/runtime/index.js';
import { runLocal, treeSum, squarePartials, exactTotal, clipCoefficient } from '../../../src/shard/index.js';
import { fit, rows } from '../../../src/train/fit.js';
import { createOptimizerRunner } from '../../../src/train/optimizer-runner.js';
import { classifierObjective } from '../../../src/train/classifier-objective.js';
import { batches, permutation } from '../../../src/train/data/shuffle.js';
import { microBatchKey } from '../../../src/train/sharded/sharded-fit.js';
import { blobs } from '../blobs.js';
import { MLP_SIZES, transformOf, type OptimizerChoice } from './mlp-setup.js';
import type { MlpFitInput, MlpFitResult } from './programs/mlp-fit.js';

const PROGRAM = new URL('./programs/mlp-fit.ts', import.meta.url);

const shardedRun = async (W: number, input: MlpFitInput) => {
  const out = await runLocal<MlpFitInput, MlpFitResult>({ size: W, entry: PROGRAM, input });
  if (E.isLeft(out)) assert.fail(out.left.join('\n'));
  return out.right.map((r) => {
    if (!r.ok) assert.fail(r.message);
    return r;
  });
};

/** The unsharded reference: one process, whole tensors, per-micro-batch gradients tree-summed by parameter, the existing optimizer runner. */
const unshardedMicroFit = async (rt: Runtime, input: MlpFitInput) => {
  const model = nn.mlpClassifier(MLP_SIZES);
  const shapes = nn.paramShapes(model);
  const trainable = input.trainable ?? Object.keys(shapes);
  const M = input.microBatches;
  const B = 16;
  const gradExe = rt.load(compile((o.gradientProgram(classifierObjective(model, B / M, [4]), shapes, trainable) as E.Right<never>).right));
  const runner = createOptimizerRunner(rt, transformOf(input.optimizer), Object.fromEntries(trainable.map((n) => [n, shapes[n]])));
  if (E.isLeft(runner)) assert.fail(runner.left.message);
  const p0 = nn.initParams(model, 5);
  const train = blobs(64, 1);
  let s = (await runner.right.init(Object.fromEntries(trainable.map((n) => [n, p0[n]])))) as E.Right<any>;
  let state = s.right;
  const losses: number[] = [];
  for (let epoch = 0; epoch < input.epochs; epoch++)
    for (const b of batches(permutation(train.count, 3, epoch), B, true)) {
      const outs: Record<string, Float32Array>[] = [];
      for (let m = 0; m < M; m++) {
        const { x, y } = rows(train, b.subarray((m * B) / M, ((m + 1) * B) / M), 4);
        const feeds = { ...Object.fromEntries(Object.keys(shapes).map((n) => [`p:${n}`, (state.params[n] ?? p0[n]).slice()])), 'x:x': x, 'x:y': Float32Array.from(y), 'x:key': Float32Array.of(microBatchKey(3, state.step, M, m)) };
        outs.push(((await gradExe.run(feeds)) as E.Right<Record<string, Float32Array>>).right);
      }
      let grads = Object.fromEntries(trainable.map((n) => [n, treeSum(outs.map((out) => out[`g:${n}`])).map((v) => v / M)]));
      if (input.maxGradNorm) {
        const coef = clipCoefficient(input.maxGradNorm, exactTotal([squarePartials(Object.values(grads))]));
        grads = Object.fromEntries(Object.entries(grads).map(([n, v]) => [n, v.map((x) => x * coef)]));
      }
      losses.push(treeSum(outs.map((out) => out['m:loss'])).map((v) => v / M)[0]);
      s = (await runner.right.step(state, grads)) as E.Right<any>;
      state = s.right;
    }
  gradExe.destroy();
  runner.right.destroy();
  return { params: { ...p0, ...state.params } as Record<string, Float32Array>, losses, opt: state.state as Record<string, Float32Array> };
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
