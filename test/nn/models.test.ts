// The MLP and BERT classifiers: specs match their parameters and HF's names, forwards match float64 loops.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as g from '../../src/dsl/index.js';
import * as nn from '../../src/nn/index.js';
import { decayGroups, decodeModelSpec } from '../../src/optim/index.js';
import { bertSpec } from '../../src/shard/index.js';
import { build, checkEverywhere, randoms, right, useRuntimes } from './harness.js';
import { linearRef } from './reference.js';
import { bertRef } from './bert-reference.js';

const rts = useRuntimes();

/** Spec, parameter list and initial values agree on every name and shape; the spec decodes. */
const assertConsistent = (model: nn.Structure) => {
  const spec = nn.modelSpec(model);
  assert.deepEqual(right(decodeModelSpec(JSON.parse(JSON.stringify(spec)))), spec);
  const init = nn.initParams(model, 0);
  assert.deepEqual(Object.keys(init), spec.parameters.map((p) => p.name));
  for (const p of spec.parameters) assert.equal(init[p.name].length, p.shape.reduce((a, b) => a * b, 1), p.name);
  assert.deepEqual(nn.paramShapes(model), Object.fromEntries(spec.parameters.map((p) => [p.name, p.shape])));
  return spec;
};

describe('mlpClassifier', () => {
  it('names its Linear layers layers.0 … layers.k-1 in a ModuleList', () => {
    const spec = assertConsistent(nn.mlpClassifier([4, 8, 3]));
    assert.deepEqual(spec.modules, [{ name: '', class: 'MLPClassifier' }, { name: 'layers', class: 'ModuleList' }, { name: 'layers.0', class: 'Linear' }, { name: 'layers.1', class: 'Linear' }]);
    assert.deepEqual(spec.parameters, [
      { name: 'layers.0.weight', shape: [8, 4], module: 'layers.0' },
      { name: 'layers.0.bias', shape: [8], module: 'layers.0' },
      { name: 'layers.1.weight', shape: [3, 8], module: 'layers.1' },
      { name: 'layers.1.bias', shape: [3], module: 'layers.1' },
    ]);
    const nested = assertConsistent(nn.mlpClassifier([4, 3], { name: 'head', dropout: 0.1 }));
    assert.deepEqual(nested.modules.map((m) => m.name), ['head', 'head.layers', 'head.layers.0', 'head.dropout']);
    assert.throws(() => nn.mlpClassifier([4]), /at least two/);
  });

  it('forward: linear, relu, linear, … as loops; dropout only while training', async () => {
    const model = nn.mlpClassifier([5, 7, 6, 3], { dropout: 0.5 });
    const p = nn.initParams(model, 4);
    const x = randoms(4 * 5, 51, 2);
    const prog = build({ ...nn.paramShapes(model), x: [4, 5] }, (i) => ({
      y: model.apply(i, i.x, nn.evalCtx),
      train: model.apply(i, i.x, nn.trainCtx(g.randomKey(1, 0))),
    }));
    const relu = (v: number[]) => v.map((t) => Math.max(t, 0));
    const h1 = relu(linearRef(x, p['layers.0.weight'], p['layers.0.bias'], 4, 5, 7));
    const h2 = relu(linearRef(h1, p['layers.1.weight'], p['layers.1.bias'], 4, 7, 6));
    const out = await checkEverywhere(rts, prog, { ...p, x }, { y: linearRef(h2, p['layers.2.weight'], p['layers.2.bias'], 4, 6, 3) });
    assert.notDeepEqual(out.train, out.y);
  });
});

const tiny = { vocabSize: 20, hiddenSize: 8, numHiddenLayers: 2, numAttentionHeads: 2, intermediateSize: 12, maxPositionEmbeddings: 7, numLabels: 3, layerNormEps: 1e-5 };

describe('bertClassifier', () => {
  it('bert-base: the ModelSpec is exactly HF BertForSequenceClassification’s (modules, classes, names, shapes, order)', () => {
    const spec = nn.modelSpec(nn.bertClassifier(nn.bertBaseConfig(2)));
    assert.deepEqual(spec, bertSpec(12, 2));
    assert.equal(spec.parameters.length, 201);
  });

  it('tiny: consistent, decodable, and the default no-decay patterns pick biases and LayerNorm weights', () => {
    const model = nn.bertClassifier(tiny);
    const spec = assertConsistent(model);
    assert.deepEqual(spec.parameters.slice(0, 3).map((p) => p.name), ['bert.embeddings.word_embeddings.weight', 'bert.embeddings.position_embeddings.weight', 'bert.embeddings.token_type_embeddings.weight']);
    assert.ok(spec.parameters.some((p) => p.name === 'bert.encoder.layer.1.attention.self.query.weight' && p.module === 'bert.encoder.layer.1.attention.self.query'));
    assert.deepEqual(spec.parameters.slice(-4).map((p) => `${p.name}:${p.shape}`), ['bert.pooler.dense.weight:8,8', 'bert.pooler.dense.bias:8', 'classifier.weight:3,8', 'classifier.bias:3']);
    const groups = decayGroups(spec.parameters.map((p) => p.name));
    assert.ok(groups.noDecay.every((n) => n.endsWith('.bias') || n.endsWith('LayerNorm.weight')));
    assert.equal(groups.noDecay.length, spec.parameters.filter((p) => /bias$|LayerNorm\.weight$/.test(p.name)).length);
    const noTypes = nn.modelSpec(nn.bertClassifier({ ...tiny, typeVocabSize: 0 }));
    assert.ok(!noTypes.parameters.some((p) => p.name.includes('token_type')));
  });

  it('forward (eval) matches the HF computation written as loops, with a padding mask and token types', async () => {
    const model = nn.bertClassifier(tiny);
    // larger-than-init weights and non-trivial LayerNorm gains, so every term shows in the logits
    const p = Object.fromEntries(model.params.map((q, k) => [q.name, Float32Array.from(randoms(q.shape.reduce((a, b) => a * b, 1), 100 + k, 0.5), (v) => (q.name.endsWith('LayerNorm.weight') ? 1 + v : v))]));
    const [batch, seq] = [2, 5];
    const ids = [1, 5, 9, 19, 0, 3, 3, 17, 2, 0];
    const mask = [1, 1, 1, 1, 0, 1, 1, 1, 0, 0];
    const types = [0, 0, 1, 1, 1, 0, 1, 1, 0, 0];
    const prog = build({ ...nn.paramShapes(model), ids: { shape: [batch, seq], dtype: 'i32' }, mask: [batch, seq], types: { shape: [batch, seq], dtype: 'i32' } }, (i) => ({
      logits: model.apply(i, { inputIds: i.ids, attentionMask: i.mask, tokenTypeIds: i.types }, nn.evalCtx),
    }));
    const want = bertRef({ vocab: 20, hidden: 8, layers: 2, heads: 2, inter: 12, positions: 7, labels: 3, eps: Math.fround(1e-5) }, p, ids, mask, types, batch, seq);
    // f32 through two layers sits inside the backends' bound
    await checkEverywhere(rts, prog, { ...p, ids, mask, types }, { logits: want }, { atol: 2e-4, rtol: 2e-4 }, { atol: 2e-6, rtol: 2e-6 });
  });

  it('training: dropout at every site, reproducible by key; eval ignores the key', () => {
    const model = nn.bertClassifier(tiny);
    const p = nn.initParams(model, 1);
    const prog = build({ ...nn.paramShapes(model), ids: { shape: [2, 4], dtype: 'i32' }, key: { shape: [], dtype: 'i32' } }, (i) => ({
      eval: model.apply(i, { inputIds: i.ids }, nn.evalCtx),
      train: model.apply(i, { inputIds: i.ids }, nn.trainCtx(i.key)),
    }));
    const run = (seed: number) => right(g.interpret(prog, { ...p, ids: [1, 2, 3, 4, 5, 6, 7, 8], key: g.randomKey(seed, 0) }));
    const [a, b, c] = [run(1), run(1), run(2)];
    assert.deepEqual(a, b);
    assert.deepEqual(a.eval, c.eval);
    assert.notDeepEqual(a.train, c.train);
    assert.notDeepEqual(a.train, a.eval);
    assert.ok(nn.bertSites.classifier(24) < nn.MAX_SITES, 'BERT-large fits the dropout sites');
  });

  it('a sequence longer than the position table is a BuildError', () => {
    const model = nn.bertClassifier(tiny);
    const r = g.program({ ...nn.paramShapes(model), ids: { shape: [1, 8], dtype: 'i32' } }, (i) => ({ y: model.apply(i, { inputIds: i.ids }, nn.evalCtx) }));
    assert.ok(r._tag === 'Left' && /sequence length 8 exceeds 7/.test(r.left.message));
  });
});
