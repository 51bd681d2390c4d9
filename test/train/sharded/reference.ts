// The unsharded reference the sharded tests compare with: one process, whole tensors, per-micro-batch gradients
// tree-summed by parameter, clipped by the exact norm, then the existing (unsharded) optimizer runner.
import assert from 'node:assert/strict';
import * as E from 'fp-ts/lib/Either.js';
import * as nn from '../../../src/nn/index.js';
import * as o from '../../../src/optim/index.js';
import { compile } from '../../../src/compiler/index.js';
import type { Runtime } from '../../../src/runtime/index.js';
import { treeSum, squarePartials, exactTotal, clipCoefficient } from '../../../src/shard/index.js';
import { rows } from '../../../src/train/fit.js';
import { createOptimizerRunner } from '../../../src/train/optimizer-runner.js';
import { classifierObjective } from '../../../src/train/classifier-objective.js';
import { batches, permutation } from '../../../src/train/data/shuffle.js';
import { microBatchKey } from '../../../src/train/sharded/sharded-fit.js';
import { fisherMicroKey } from '../../../src/train/sharded/sharded-fisher.js';
import { blobs } from '../blobs.js';
import { MLP_SIZES, transformOf } from './mlp-setup.js';
import type { MlpFitInput } from './programs/mlp-fit.js';

/** The unsharded reference: one process, whole tensors, per-micro-batch gradients tree-summed by parameter, the existing optimizer runner. */
export const unshardedMicroFit = async (rt: Runtime, input: MlpFitInput, masks?: Record<string, Uint8Array>) => {
  const model = nn.mlpClassifier(MLP_SIZES);
  const shapes = nn.paramShapes(model);
  const trainable = input.trainable ?? Object.keys(shapes);
  const M = input.microBatches;
  const B = 16;
  const gradExe = rt.load(compile((o.gradientProgram(classifierObjective(model, B / M, [4]), shapes, trainable) as E.Right<never>).right));
  const runner = createOptimizerRunner(rt, transformOf(input.optimizer, undefined, masks), Object.fromEntries(trainable.map((n) => [n, shapes[n]])));
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


/**
 * Child-Tuning D's unsharded reference: the micro-batched Fisher pass over whole tensors (gradients tree-summed over
 * the M micro-batches, each weight's gradient clipped by its exact norm, squared, averaged over the batches), then
 * optim's fisherMask over every score at once.
 */
export const unshardedMicroFisher = async (rt: Runtime, microBatches: number, reserveP: number, maxGradNorm: number) => {
  const model = nn.mlpClassifier(MLP_SIZES);
  const shapes = nn.paramShapes(model);
  const M = microBatches;
  const B = 16;
  const selected = Object.keys(shapes).filter((n) => n.endsWith('.weight'));
  const gradExe = rt.load(compile((o.gradientProgram(classifierObjective(model, B / M, [4]), shapes, Object.keys(shapes)) as E.Right<never>).right));
  const p0 = nn.initParams(model, 5);
  const train = blobs(64, 1);
  const order = batches(permutation(train.count, 3, 2 ** 23), B, true);
  const scores = Object.fromEntries(selected.map((n) => [n, new Float32Array(p0[n].length)]));
  for (const [i, b] of order.entries()) {
    const outs: Record<string, Float32Array>[] = [];
    for (let m = 0; m < M; m++) {
      const { x, y } = rows(train, b.subarray((m * B) / M, ((m + 1) * B) / M), 4);
      const feeds = { ...Object.fromEntries(Object.keys(shapes).map((n) => [`p:${n}`, p0[n].slice()])), 'x:x': x, 'x:y': Float32Array.from(y), 'x:key': Float32Array.of(fisherMicroKey(3, i, M, m)) };
      outs.push(((await gradExe.run(feeds)) as E.Right<Record<string, Float32Array>>).right);
    }
    for (const n of selected) {
      const g = treeSum(outs.map((out) => out[`g:${n}`])).map((v) => v / M);
      const coef = clipCoefficient(maxGradNorm, exactTotal([squarePartials([g])]));
      for (let j = 0; j < g.length; j++) {
        const clipped = Math.fround(g[j] * coef);
        scores[n][j] = Math.fround(scores[n][j] + Math.fround(Math.fround(clipped * clipped) / order.length));
      }
    }
  }
  gradExe.destroy();
  return { scores, ...o.fisherMask(scores, reserveP) };
};
