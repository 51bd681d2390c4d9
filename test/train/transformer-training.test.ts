// A small transformer encoder classifier (BERT layout: embeddings, multi-head self-attention, GELU feed-forward,
// layer norms, pooler, dropout) trained end to end by the compiled step: its first step matches the float64
// interpreter running the same step program, and it learns a task only attention can solve.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as g from '../../src/dsl/index.js';
import * as nn from '../../src/nn/index.js';
import * as o from '../../src/optim/index.js';
import type { Runtime } from '../../src/runtime/index.js';
import { createRuntime } from '../../src/runtime/index.js';
import type { OptimizerState } from '../../src/train/optimizer-runner.js';
import { createOptimizerRunner } from '../../src/train/optimizer-runner.js';
import { scheduledFit } from '../../src/train/scheduled-fit.js';
import { tokenRows } from '../../src/train/classifier-objective.js';
import { mulberry32 } from '../../props/mulberry32.js';
import { right } from '../nn/harness.js';
import { assertStepMatchesFloat64 } from './step-vs-float64.js';

const SEQ = 6;
const BATCH = 16;
const VOCAB = 8;
const NEEDLE = 7;
const config: nn.BertConfig = { vocabSize: VOCAB, hiddenSize: 16, numHiddenLayers: 1, numAttentionHeads: 2, intermediateSize: 32, maxPositionEmbeddings: SEQ, numLabels: 2, typeVocabSize: 0 };
const model = nn.bertClassifier(config);
const shapes = nn.paramShapes(model);

/** Is the needle token anywhere after position 0? The first position's output must attend to the rest to say. */
const sequences = (count: number, seed: number) => {
  const rand = mulberry32(seed);
  const ids = new Float32Array(count * SEQ);
  const labels = new Float32Array(count);
  for (let r = 0; r < count; r++) {
    for (let t = 1; t < SEQ; t++) ids[r * SEQ + t] = 1 + Math.floor(rand() * (NEEDLE - 1));
    labels[r] = r % 2;
    if (labels[r]) ids[r * SEQ + 1 + Math.floor(rand() * (SEQ - 1))] = NEEDLE;
  }
  return { ids, labels, count };
};

const objective: o.Objective = {
  inputs: { ids: { shape: [BATCH, SEQ], dtype: 'i32' }, y: { shape: [BATCH], dtype: 'i32' }, key: { shape: [], dtype: 'i32' } },
  build: (p, inp) => {
    const logits = model.apply(p, { inputIds: inp.ids }, nn.trainCtx(inp.key));
    return { loss: nn.crossEntropy(logits, inp.y), metrics: { accuracy: nn.accuracy(logits, inp.y) } };
  },
};

const batchAt = (d: ReturnType<typeof sequences>, k: number, step: number) => {
  const rows = Array.from({ length: BATCH }, (_, i) => (k * BATCH + i) % d.count);
  return {
    ids: Float32Array.from(rows.flatMap((r) => Array.from(d.ids.subarray(r * SEQ, (r + 1) * SEQ)))),
    y: Float32Array.from(rows.map((r) => d.labels[r])),
    key: Float32Array.of(g.randomKey(5, step)),
  };
};

describe('a small transformer encoder classifier, trained by the compiled step (webasm)', () => {
  let rt: Runtime;
  before(async () => {
    rt = await createRuntime({ backend: 'webasm' });
  });
  after(() => rt.destroy());

  const transform = () => o.chain(o.clipByGlobalNorm(1), o.adamw(3e-3, { weightDecay: 0.01 }));

  test('one step: loss and every updated parameter match the float64 interpreter', async () => {
    const runner = right(createOptimizerRunner(rt, transform(), shapes, objective));
    const s0 = right(await runner.init(nn.initParams(model, 1)));
    const feeds = batchAt(sequences(BATCH, 3), 0, 1);
    const s1 = right(await runner.step(s0, feeds));
    assertStepMatchesFloat64(runner.programs.step, s0, feeds, s1, Object.keys(shapes));
    runner.destroy();
  });

  test('scheduled fine-tuning of the transformer: the head first, then the encoder thaws; it learns', async () => {
    const train = sequences(256, 7);
    const held = sequences(128, 8);
    const examples = (d: ReturnType<typeof sequences>) => ({ inputs: d.ids, labels: Int32Array.from(d.labels), count: d.count });
    const names = Object.keys(shapes);
    const head = names.filter((n) => n.startsWith('classifier.') || n.startsWith('bert.pooler.'));
    const p0 = nn.initParams(model, 2);
    const run = (maxEpochs: number) => scheduledFit(rt, {
      model, input: tokenRows, features: [SEQ], batchSize: BATCH, seed: 4, stepsPerCall: 4,
      machine: { phases: [{ params: head, maxTransitionEpoch: 2 }, { params: names.filter((n) => !head.includes(n)), maxTransitionEpoch: -1, lr: 3e-3 }], maxDepth: -1, epochTransitionsOnly: true, restoreBest: false, baseMaxLr: 3e-3, earlyStopping: { mode: 'min', patience: 1, minDelta: 0 }, maxEpochs },
      groupTransform: (lr, decay) => o.adamw(lr ?? 3e-3, { weightDecay: decay ? 0.01 : 0 }),
    }, p0, examples(train), examples(held));
    // during the head phase only the head moves
    const headOnly = await run(2);
    for (const n of names) {
      if (head.includes(n)) assert.notDeepEqual(headOnly.params[n], p0[n], n);
      else assert.deepEqual(headOnly.params[n], p0[n], n);
    }
    const res = await run(14);
    assert.deepEqual(res.transitions, [{ epoch: 2, depth: 1 }]);
    assert.notDeepEqual(res.params['bert.embeddings.word_embeddings.weight'], p0['bert.embeddings.word_embeddings.weight']);
    const last = res.records[res.records.length - 1];
    assert.ok(last.evalAccuracy >= 0.9, `held-out accuracy ${last.evalAccuracy} (${res.records.map((r) => r.evalAccuracy.toFixed(2)).join(' ')})`);
  });

  test('learns whether a token occurs (attention needed), 10 steps per call', async () => {
    const train = sequences(256, 7);
    const held = sequences(128, 8);
    const runner = right(createOptimizerRunner(rt, transform(), shapes, objective));
    let s: OptimizerState = right(await runner.init(nn.initParams(model, 2)));
    const losses: number[] = [];
    for (let call = 0; call < 30; call++) {
      s = right(await runner.steps(s, Array.from({ length: 10 }, (_, i) => batchAt(train, call * 10 + i, s.step + 1 + i)), 10));
      losses.push(...s.stepMetrics!.loss);
    }
    const evalProg = right(g.program({ ...shapes, ids: { shape: [held.count, SEQ], dtype: 'i32' }, y: { shape: [held.count], dtype: 'i32' } }, (i) => {
      const logits = model.apply(i, { inputIds: i.ids }, nn.evalCtx);
      return { accuracy: nn.accuracy(logits, i.y) };
    }));
    const acc = right(g.interpret(evalProg, { ...s.params, ids: held.ids, y: held.labels })).accuracy[0];
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    assert.ok(mean(losses.slice(-20)) < 0.5 * mean(losses.slice(0, 20)), `loss ${mean(losses.slice(0, 20))} -> ${mean(losses.slice(-20))}`);
    assert.ok(acc >= 0.9, `held-out accuracy ${acc}`);
    runner.destroy();
  });
});
