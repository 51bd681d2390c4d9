// padding_idx as torch's nn.Embedding: the pad row is read as it is, starts at zero, and gets a gradient of exactly 0,
// so Adam never moves it (decoupled weight decay still shrinks it, as torch's AdamW does).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as g from '../../src/dsl/index.js';
import * as nn from '../../src/nn/index.js';
import * as o from '../../src/optim/index.js';
import type { Runtime } from '../../src/runtime/index.js';
import { createRuntime } from '../../src/runtime/index.js';
import { createOptimizerRunner } from '../../src/train/optimizer-runner.js';
import { assertClose, build, randoms, right, runCompiled, useRuntimes } from './harness.js';

const rts = useRuntimes();

describe('embedding with paddingIdx', () => {
  const [rows, dim, pad] = [5, 3, 1];
  const ids = [1, 3, 1, 0, 4, 3];
  const w = randoms(rows * dim, 7, 1);
  const c = randoms(ids.length * dim, 8, 1);
  const emb = nn.embedding('emb', rows, dim, { paddingIdx: pad });
  const prog = build({ 'emb.weight': [rows, dim], ids: { shape: [2, 3], dtype: 'i32' }, c: [2, 3, dim] }, (i) => {
    const out = emb.apply(i, i.ids, nn.evalCtx);
    const loss = g.sum(g.mul(out, i.c));
    return { out, loss, dw: g.grad(loss, { w: i['emb.weight'] }).w };
  });
  // hand-derived: loss = Σ_n out[n]·c[n], so dW[r] = Σ over positions n holding id r of c[n]; the pad row's is 0
  const dw = Array.from({ length: rows * dim }, (_, k) => {
    const [r, j] = [Math.floor(k / dim), k % dim];
    return r === pad ? 0 : ids.reduce((s, id, n) => (id === r ? s + c[n * dim + j] : s), 0);
  });

  it('forward reads the pad row as it is; its gradient is exactly 0, the other rows’ the float64 sums (interpreter and compiled)', async () => {
    const feeds = { 'emb.weight': w, ids, c };
    const ref = right(g.interpret(prog, feeds));
    assert.deepEqual([...ref.out], ids.flatMap((id) => w.slice(id * dim, (id + 1) * dim)));
    assertClose(ref.dw, dw, { atol: 1e-12, rtol: 1e-12 }, 'interpret dW');
    for (const rt of rts) {
      const out = await runCompiled(rt, prog, feeds);
      assertClose(out.dw, dw, { atol: 1e-6, rtol: 1e-6 }, `${rt.report.backend} dW`);
      for (let j = 0; j < dim; j++) assert.equal(Math.abs(out.dw[pad * dim + j]), 0, `${rt.report.backend}: pad row gradient`);
    }
  });

  it('a normal init starts the pad row at zero (torch, HF’s _init_weights); a pad outside the table is refused', () => {
    const p = nn.initParams(nn.embedding('e', rows, dim, { init: { kind: 'normal', std: 0.02 }, paddingIdx: 2 }), 0)['e.weight'];
    assert.deepEqual([...p.slice(2 * dim, 3 * dim)], [0, 0, 0]);
    assert.ok(p.slice(0, 2 * dim).every((v) => v !== 0));
    assert.throws(() => nn.embedding('e', rows, dim, { paddingIdx: 5 }), /paddingIdx 5 is not one of its 5 rows/);
  });
});

describe('BERT word embeddings use pad_token_id', () => {
  const config: nn.BertConfig = { vocabSize: 12, hiddenSize: 8, numHiddenLayers: 1, numAttentionHeads: 2, intermediateSize: 16, maxPositionEmbeddings: 6, numLabels: 2, padTokenId: 0 };
  const WORDS = 'bert.embeddings.word_embeddings.weight';
  const ids = [2, 5, 7, 0, 0, 2, 9, 11, 3, 0];
  const labels = [1, 0];
  const gradOfWords = (c: nn.BertConfig, params: Record<string, Float32Array>) => {
    const model = nn.bertClassifier(c);
    const prog = build({ ...nn.paramShapes(model), ids: { shape: [2, 5], dtype: 'i32' }, y: { shape: [2], dtype: 'i32' } }, (i) => {
      const loss = nn.crossEntropy(model.apply(i, { inputIds: i.ids }, nn.evalCtx), i.y);
      return { d: g.grad(loss, { w: (i as Record<string, g.Tensor>)[WORDS] }).w };
    });
    return right(g.interpret(prog, { ...params, ids, y: labels })).d;
  };

  it('the pad row’s gradient is 0 and every other row’s is the one without padding_idx', () => {
    // no attention mask, so the pad positions are attended to and, without padding_idx, their row would train
    const params = nn.initParams(nn.bertClassifier({ ...config, padTokenId: null }), 3);
    const withPad = gradOfWords(config, params);
    const without = gradOfWords({ ...config, padTokenId: null }, params);
    const H = config.hiddenSize;
    assert.ok(without.slice(0, H).some((v) => Math.abs(v) > 1e-6), 'without padding_idx the pad row trains');
    assert.deepEqual([...withPad.slice(0, H)].map(Math.abs), new Array(H).fill(0));
    assertClose(withPad.slice(H), without.slice(H), { atol: 1e-15, rtol: 1e-12 }, 'other rows');
  });

  describe('one compiled AdamW step (webasm)', () => {
    let rt: Runtime;
    before(async () => {
      rt = await createRuntime({ backend: 'webasm' });
    });
    after(() => rt.destroy());

    const step = async (weightDecay: number) => {
      const model = nn.bertClassifier(config);
      const objective: o.Objective = {
        inputs: { ids: { shape: [2, 5], dtype: 'i32' }, y: { shape: [2], dtype: 'i32' } },
        build: (p, inp) => ({ loss: nn.crossEntropy(model.apply(p, { inputIds: inp.ids }, nn.evalCtx), inp.y) }),
      };
      const runner = right(createOptimizerRunner(rt, o.adamw(1e-2, { weightDecay }), nn.paramShapes(model), objective));
      const p0 = nn.initParams(nn.bertClassifier({ ...config, padTokenId: null }), 3);
      const s1 = right(await runner.step(right(await runner.init(p0)), { ids: Float32Array.from(ids), y: Float32Array.from(labels) }));
      runner.destroy();
      return { before: p0[WORDS], after: s1.params[WORDS] };
    };

    it('without weight decay the pad row is unchanged bit for bit while the rows in the batch move', async () => {
      const { before: b, after: a } = await step(0);
      const H = config.hiddenSize;
      assert.deepEqual(a.slice(0, H), b.slice(0, H));
      assert.notDeepEqual(a.slice(2 * H, 3 * H), b.slice(2 * H, 3 * H));
    });

    it('with decoupled weight decay the pad row only decays, p·(1 − lr·wd), as torch.optim.AdamW', async () => {
      const { before: b, after: a } = await step(0.1);
      const H = config.hiddenSize;
      assertClose(a.slice(0, H), Array.from(b.slice(0, H), (p) => p * (1 - 1e-2 * 0.1)), { atol: 0, rtol: 1e-6 }, 'pad row');
    });
  });
});
