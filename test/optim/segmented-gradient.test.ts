import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from 'fp-ts/lib/Either.js';
import * as nn from '../../src/nn/index.js';
import type { Layer } from '../../src/nn/index.js';
import { compile } from '../../src/compiler/index.js';
import { createRuntime } from '../../src/runtime/index.js';
import type { Runtime } from '../../src/runtime/index.js';
import { gradientProgram } from '../../src/optim/gradient-program.js';
import type { Objective } from '../../src/optim/step.js';
import { names } from '../../src/optim/step.js';
import * as g from '../../src/dsl/index.js';
import type { Shape } from '../../src/dsl/index.js';
import { flatUnits } from '../../src/shard/units.js';
import type { WrapPolicy } from '../../src/shard/wrap-policy.js';
import type { ParamGroup, SegmentedGradient } from '../../src/optim/segmented-gradient.js';
import { segmentedGradient } from '../../src/optim/segmented-gradient.js';
import { classifierObjective, tokenRows } from '../../src/train/classifier-objective.js';

/** Seeded values in [-1, 1) (a 32-bit LCG): inputs the test can rebuild. */
const values = (n: number, seed: number) => {
  let x = seed >>> 0;
  return Float32Array.from({ length: n }, () => ((x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 31) - 1);
};

const bitsOf = (a: Float32Array) => new Uint32Array(a.buffer, a.byteOffset, a.length);

/**
 * Runs the split programs one micro-batch through: forwards in order, backwards in reverse, every activation and
 * cotangent passed by name, as the sharded stepper passes them; returns the gradients and metrics by output name.
 */
const runSplit = async (rt: Runtime, split: SegmentedGradient, feeds: Record<string, Float32Array>) => {
  const pool = new Map(Object.entries(feeds));
  const metrics: Record<string, Float32Array> = {};
  const take = (inputs: readonly { name: string }[]) => Object.fromEntries(inputs.map((i) => [i.name, pool.get(i.name)!.slice()]));
  for (const s of split.segments) {
    const exe = rt.load(compile(s.forward));
    const out = await exe.run(take(s.forward.inputs) as never);
    exe.destroy();
    if (E.isLeft(out)) assert.fail(out.left.message);
    for (const [k, v] of Object.entries(out.right as Record<string, Float32Array>)) (k.startsWith('m:') ? (metrics[k] = v) : pool.set(k, v));
  }
  for (const s of [...split.segments].reverse()) {
    if (!s.backward) continue;
    const exe = rt.load(compile(s.backward));
    const out = await exe.run(take(s.backward.inputs) as never);
    exe.destroy();
    if (E.isLeft(out)) assert.fail(out.left.message);
    for (const [k, v] of Object.entries(out.right as Record<string, Float32Array>)) pool.set(k, v);
  }
  const grads = Object.fromEntries(Object.entries(split.gradOf).map(([p, k]) => [p, pool.get(k)!]));
  return { grads, metrics };
};

/** The split programs against the unsplit gradient program, compiled the same way: every gradient and metric bit for bit. */
const sameAsUnsplit = async (objective: Objective, shapes: Readonly<Record<string, Shape>>, groups: readonly ParamGroup[], feeds: Record<string, Float32Array>, train: readonly string[]) => {
  const split = segmentedGradient(objective, shapes, train, groups);
  if (E.isLeft(split)) assert.fail(split.left);
  const rt = await createRuntime({ backend: 'webasm' });
  try {
    const whole = gradientProgram(objective, shapes, train);
    if (E.isLeft(whole)) assert.fail(whole.left.message);
    const exe = rt.load(compile(whole.right));
    const ref = await exe.run(Object.fromEntries(whole.right.inputs.map((i) => [i.name, feeds[i.name].slice()])) as never);
    exe.destroy();
    if (E.isLeft(ref)) assert.fail(ref.left.message);
    const expected = ref.right as Record<string, Float32Array>;
    const got = await runSplit(rt, split.right, feeds);
    for (const p of train) {
      const g = got.grads[p] ?? new Float32Array(expected[names.grad(p)].length);
      assert.deepEqual(bitsOf(g), bitsOf(expected[names.grad(p)]), `gradient of ${p}`);
    }
    for (const m of split.right.metricNames) assert.deepEqual(bitsOf(got.metrics[names.metric(m)]), bitsOf(expected[names.metric(m)]), `metric ${m}`);
    // the gradients are not all zero: the comparison has something to compare
    assert.ok(train.some((p) => expected[names.grad(p)].some((v) => v !== 0)));
    return split.right;
  } finally {
    rt.destroy();
  }
};

const compareWithUnsplit = async (model: Layer<any>, policy: WrapPolicy, batch: number, features: Shape, input: Parameters<typeof classifierObjective>[4], x: Float32Array, y: Float32Array, trainable?: string[]) => {
  const shapes = nn.paramShapes(model);
  const params = nn.initParams(model, 11);
  const feeds = { ...Object.fromEntries(Object.entries(params).map(([k, v]) => [names.param(k), v as Float32Array])), 'x:x': x, 'x:y': y, 'x:key': Float32Array.of(5) };
  return sameAsUnsplit(classifierObjective(model, batch, features, {}, input), shapes, flatUnits(nn.modelSpec(model), policy), feeds, trainable ?? Object.keys(shapes));
};

test('an MLP with dropout cut per Linear: one segment per unit, each reading only its own parameters; gradients and metrics are the unsplit program\'s bits', async () => {
  const model = nn.mlpClassifier([6, 10, 7, 3], { dropout: 0.25 });
  const split = await compareWithUnsplit(model, { classes: ['Linear'] }, 5, [6], undefined, values(30, 1), Float32Array.from([0, 2, 1, 1, 0]));
  assert.deepEqual(split.segments.map((s) => s.groups), [['layers.0'], ['layers.1'], ['layers.2']]);
  for (const s of split.segments) assert.ok(s.forward.inputs.every((i) => !i.name.startsWith('p:') || i.name.startsWith(`p:${s.groups[0]}.`)), 'a segment reads only its unit');
  assert.deepEqual(split.span, { 'layers.0': { first: 0, last: 0 }, 'layers.1': { first: 1, last: 1 }, 'layers.2': { first: 2, last: 2 } });
});

test('a frozen first unit: its backward passes no parameter gradient, the others keep the unsplit bits', async () => {
  const model = nn.mlpClassifier([6, 10, 7, 3]);
  const split = await compareWithUnsplit(model, { classes: ['Linear'] }, 5, [6], undefined, values(30, 2), Float32Array.from([2, 2, 1, 0, 0]), ['layers.1.weight', 'layers.1.bias', 'layers.2.weight', 'layers.2.bias']);
  // nothing upstream of layers.1 trains: the first segment has no backward
  assert.equal(split.segments[0].backward, undefined);
});

test('a BERT classifier cut per BertLayer: the root unit (embeddings, pooler, head) spans the whole step; gradients and metrics are the unsplit bits', async () => {
  const seq = 6;
  const model = nn.bertClassifier({ vocabSize: 11, hiddenSize: 8, numHiddenLayers: 2, numAttentionHeads: 2, intermediateSize: 12, maxPositionEmbeddings: seq, numLabels: 3, hiddenDropoutProb: 0.1, attentionProbsDropoutProb: 0.1 });
  const ids = Float32Array.from({ length: 3 * seq }, (_, k) => (k * 7 + 3) % 11);
  const split = await compareWithUnsplit(model, { classes: ['BertLayer'] }, 3, [seq], tokenRows, ids, Float32Array.from([0, 2, 1]));
  assert.deepEqual(split.segments.map((s) => s.groups), [[''], ['bert.encoder.layer.0'], ['bert.encoder.layer.1'], ['']]);
  assert.deepEqual(split.span[''], { first: 0, last: 3 });
});

test('an activation read by two later groups and a weight tied across groups: their cotangents accumulate over segments in the unsplit order', async () => {
  // h0 (group a) feeds group b and group c, a.w is read in a and again in c (tied), each by several nodes: summing a
  // segment's parts first and adding the later segments' sum after would change the bits
  const objective: Objective = {
    inputs: { x: { shape: [4, 3], dtype: 'f32' } },
    build: (p, i) => {
      const h0 = g.tanh(g.add(g.matmul(i.x, p['a.w']), g.matmul(g.mul(i.x, 0.37), p['a.w'])));
      const h1 = g.add(g.tanh(g.matmul(h0, p['b.w'])), g.mul(h0, h0));
      const h2 = g.tanh(g.matmul(g.add(h1, h0), p['c.w']));
      const tied = g.matmul(h2, g.transpose(p['a.w']));
      const loss = g.add(g.mean(g.mul(tied, i.x)), g.mean(g.mul(g.add(h2, h0), h0)));
      return { loss };
    },
  };
  const shapes = { 'a.w': [3, 5], 'b.w': [5, 5], 'c.w': [5, 5] };
  const groups = ['a', 'b', 'c'].map((n) => ({ name: n, params: [`${n}.w`] }));
  const feeds = { 'p:a.w': values(15, 3), 'p:b.w': values(25, 4), 'p:c.w': values(25, 5), 'x:x': values(12, 6) };
  const split = await sameAsUnsplit(objective, shapes, groups, feeds, Object.keys(shapes));
  assert.deepEqual(split.segments.map((s) => s.groups), [['a'], ['b'], ['c', 'a']]);
  assert.deepEqual(split.span.a, { first: 0, last: 2 });
  // segment b reads h0 and so does c: c's backward hands b a cotangent to go on summing, and b hands a one for h0
  assert.ok(split.segments[1].backward!.inputs.some((i) => i.name.startsWith('c:')));
  assert.ok(split.segments[0].backward!.inputs.some((i) => i.name === split.gradOf['a.w']));
});

test('a metric that reads no parameter (the batch mean, a positive count) is computed in the last segment: the unsplit bits', async () => {
  const objective: Objective = {
    inputs: { x: { shape: [4, 3], dtype: 'f32' } },
    build: (p, i) => ({
      loss: g.mean(g.tanh(g.matmul(g.tanh(g.matmul(i.x, p['a.w'])), p['b.w']))),
      metrics: { inputMean: g.mean(i.x), positives: g.sum(g.cast(g.gt(i.x, 0), 'f32')) },
    }),
  };
  const shapes = { 'a.w': [3, 5], 'b.w': [5, 2] };
  const groups = ['a', 'b'].map((n) => ({ name: n, params: [`${n}.w`] }));
  const split = await sameAsUnsplit(objective, shapes, groups, { 'p:a.w': values(15, 7), 'p:b.w': values(10, 8), 'x:x': values(12, 9) }, Object.keys(shapes));
  assert.deepEqual(split.metricNames, ['loss', 'inputMean', 'positives']);
  assert.ok(split.segments[1].forward.outputs['m:inputMean'] && split.segments[1].forward.outputs['m:positives'], 'the last segment computes them');
});

test('a bool activation crossing a group boundary (a mask made from group a, read in group b) passes as 0/1 and gives the unsplit bits', async () => {
  const objective: Objective = {
    inputs: { x: { shape: [4, 3], dtype: 'f32' } },
    build: (p, i) => {
      const h0 = g.tanh(g.matmul(i.x, p['a.w']));
      const mask = g.gt(h0, 0.1);
      const h1 = g.where(mask, g.matmul(h0, p['b.w']), 0);
      return { loss: g.mean(g.mul(h1, h1)), metrics: { kept: g.mean(g.cast(g.gt(g.matmul(h0, p['b.w']), 0), 'f32')) } };
    },
  };
  const shapes = { 'a.w': [3, 4], 'b.w': [4, 4] };
  const groups = ['a', 'b'].map((n) => ({ name: n, params: [`${n}.w`] }));
  const split = await sameAsUnsplit(objective, shapes, groups, { 'p:a.w': values(12, 10), 'p:b.w': values(16, 11), 'x:x': values(12, 12) }, Object.keys(shapes));
  assert.deepEqual(split.segments.map((s) => s.groups), [['a'], ['b']]);
  assert.ok(split.segments[1].forward.inputs.some((i) => i.name.startsWith('b:') && i.dtype === 'f32'), 'the mask crosses as f32');
});
