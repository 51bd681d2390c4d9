// Initialisation: deterministic in (seed, name), independent of other parameters, with the intended distributions.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as g from '../../src/dsl/index.js';
import * as nn from '../../src/nn/index.js';
import { build, right } from './harness.js';

const tiny = { vocabSize: 30, hiddenSize: 8, numHiddenLayers: 1, numAttentionHeads: 2, intermediateSize: 16, maxPositionEmbeddings: 6, numLabels: 3 };

const stats = (xs: Float32Array) => {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return { mean, std: Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length), max: xs.reduce((m, v) => Math.max(m, Math.abs(v)), 0) };
};

describe('initParams', () => {
  it('the same seed gives the same values; another seed other values', () => {
    const model = nn.bertClassifier(tiny);
    const [a, b, c] = [nn.initParams(model, 5), nn.initParams(model, 5), nn.initParams(model, 6)];
    assert.deepEqual(a, b);
    for (const p of model.params) {
      assert.equal(a[p.name].length, p.shape.reduce((x, y) => x * y, 1), p.name);
      if (p.init.kind === 'normal') assert.notDeepEqual(a[p.name], c[p.name], p.name);
    }
  });

  it('a parameter depends on its name only: other parameters and their order do not move it', () => {
    const small = nn.initParams(nn.mlpClassifier([6, 5]), 1);
    const big = nn.initParams(nn.mlpClassifier([6, 5, 4, 3]), 1);
    assert.deepEqual(small['layers.0.weight'], big['layers.0.weight']);
    assert.notDeepEqual(big['layers.1.weight'].slice(0, 20), big['layers.0.weight'].slice(0, 20));
    assert.notDeepEqual(big['layers.0.bias'], big['layers.0.weight'].slice(0, 5));
  });

  it('values are the counter generator’s draw under initKey(seed, name), as g.normal gives it', () => {
    const [seed, name] = [9, 'bert.encoder.layer.0.attention.self.query.weight'];
    const vals = nn.initValues({ kind: 'normal', std: 0.02 }, [8, 8], seed, name);
    const z = right(g.interpret(build({}, () => ({ z: g.normal(nn.initKey(seed, name), [8, 8]) })), {})).z;
    assert.deepEqual(vals, Float32Array.from(z, (v) => v * 0.02));
  });

  it('draws past one chunk of 2^20 elements continue the same stream (offset slicing)', () => {
    const n = 2 ** 20 + 5;
    const vals = nn.initValues({ kind: 'uniform', bound: 1 }, [n], 3, 'big.weight');
    const tail = right(g.interpret(build({}, () => ({ u: g.uniform(nn.initKey(3, 'big.weight'), [5], { offset: 2 ** 20 }) })), {})).u;
    assert.deepEqual(vals.slice(2 ** 20), Float32Array.from(tail, (u) => 2 * u - 1));
  });

  it('MLP Linear layers: PyTorch’s U(-1/√in, 1/√in) for weights and biases', () => {
    const p = nn.initParams(nn.mlpClassifier([400, 300, 10]), 2);
    const w = stats(p['layers.0.weight']);
    const bound = 1 / Math.sqrt(400);
    assert.ok(w.max <= bound && w.max > 0.99 * bound, `${w.max}`);
    assert.ok(Math.abs(w.mean) < 1e-3 && Math.abs(w.std - bound / Math.sqrt(3)) < 1e-3 * bound * 10, JSON.stringify(w));
    assert.ok(stats(p['layers.1.bias']).max <= 1 / Math.sqrt(300));
  });

  it('BERT: Linear and Embedding weights N(0, 0.02), biases 0, LayerNorm weight 1 and bias 0', () => {
    const model = nn.bertClassifier({ ...tiny, vocabSize: 4000, hiddenSize: 32, intermediateSize: 64, numAttentionHeads: 4 });
    const p = nn.initParams(model, 1);
    const w = stats(p['bert.embeddings.word_embeddings.weight']);
    assert.ok(Math.abs(w.mean) < 1e-3 && Math.abs(w.std - 0.02) < 5e-4, JSON.stringify(w));
    assert.ok(Math.abs(stats(p['bert.encoder.layer.0.intermediate.dense.weight']).std - 0.02) < 2e-3);
    for (const prm of model.params) {
      if (prm.name.endsWith('LayerNorm.weight')) assert.ok(p[prm.name].every((v) => v === 1), prm.name);
      else if (prm.name.endsWith('bias')) assert.ok(p[prm.name].every((v) => v === 0), prm.name);
      // the word embeddings' pad_token_id row (0 by default) starts at zero, as HF's _init_weights leaves it
      else assert.deepEqual(prm.init, { kind: 'normal', std: 0.02, ...(prm.name === 'bert.embeddings.word_embeddings.weight' ? { zeroRow: 0 } : {}) }, prm.name);
    }
    assert.deepEqual(nn.bertClassifier({ ...tiny, initializerRange: 0.05 }).params[0].init, { kind: 'normal', std: 0.05, zeroRow: 0 });
  });
});
