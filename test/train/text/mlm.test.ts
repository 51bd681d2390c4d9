// MLM masking: only real, non-special tokens are chosen, about 15% of them, split 80/10/10 into [MASK], a random
// token and the token itself; labels hold the original ids there and -1 elsewhere; draws are keyed by position, so
// a batch cut shorter masks its tokens alike. The MLM loss is the mean cross-entropy at the chosen positions.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as E from 'fp-ts/lib/Either.js';
import * as g from '../../../src/dsl/index.js';
import * as nn from '../../../src/nn/index.js';
import { packTokenRows } from '../../../src/train/data/token-rows.js';
import { maskBatch, mlmObjective } from '../../../src/train/text/mlm.js';
import { build, right } from '../../nn/harness.js';

const SEQ = 40;
const VOCAB = 50;
const masking = { maskId: 4, vocabSize: VOCAB, specialIds: new Set([0, 1, 2, 3, 4]) };
/** Rows [CLS] w… [SEP] of 10 to SEQ tokens, words 5…49. */
const encodings = Array.from({ length: 300 }, (_, r) => {
  const n = 10 + (r % (SEQ - 9));
  return { inputIds: [2, ...Array.from({ length: n - 2 }, (_, t) => 5 + ((r * 7 + t * 3) % 45)), 3] };
});
const rows = E.getOrElseW(() => assert.fail('rows'))(packTokenRows(encodings, SEQ, 0));
const all = Int32Array.from(encodings, (_, i) => i);

describe('MLM masking', () => {
  it('chooses ~15% of the real words, never specials or padding; 80/10/10 replacements; labels the originals', () => {
    const { x, y } = maskBatch(rows, SEQ, all, SEQ, masking, 1, 0);
    let words = 0;
    let chosen = 0;
    let masked = 0;
    let kept = 0;
    for (let k = 0; k < encodings.length; k++) {
      const ids = encodings[k].inputIds;
      for (let t = 0; t < SEQ; t++) {
        const label = y[k * SEQ + t];
        const now = x[3 * k * SEQ + t];
        const isWord = t < ids.length && ids[t] >= 5;
        words += isWord ? 1 : 0;
        if (!isWord) {
          assert.equal(label, -1, `row ${k} position ${t}: a special or padding is never chosen`);
          assert.equal(now, t < ids.length ? ids[t] : 0);
          continue;
        }
        if (label === -1) {
          assert.equal(now, ids[t], 'an unchosen token stays');
          continue;
        }
        chosen++;
        assert.equal(label, ids[t], 'the label is the original id');
        if (now === 4) masked++;
        else if (now === ids[t]) kept++;
        assert.ok(now >= 0 && now < VOCAB);
      }
      // mask and types are untouched
      assert.deepEqual([...x.subarray((3 * k + 1) * SEQ, (3 * k + 3) * SEQ)], [...rows.subarray((3 * k + 1) * SEQ, (3 * k + 3) * SEQ)]);
    }
    assert.ok(Math.abs(chosen / words - 0.15) < 0.02, `chosen ${chosen / words}`);
    assert.ok(Math.abs(masked / chosen - 0.8) < 0.05, `[MASK] ${masked / chosen}`);
    // kept: the 10% left alone plus random draws that hit the same token (1/50 of 10%)
    assert.ok(Math.abs(kept / chosen - 0.102) < 0.04, `kept ${kept / chosen}`);
  });

  it('the same seed and epoch mask alike, another epoch otherwise; a batch cut shorter masks its positions alike', () => {
    const a = maskBatch(rows, SEQ, [3, 9, 4], SEQ, masking, 1, 2);
    assert.deepEqual(a, maskBatch(rows, SEQ, [3, 9, 4], SEQ, masking, 1, 2));
    assert.notDeepEqual(a.y, maskBatch(rows, SEQ, [3, 9, 4], SEQ, masking, 1, 3).y);
    const cut = maskBatch(rows, SEQ, [3, 9, 4], 16, masking, 1, 2);
    for (let k = 0; k < 3; k++) {
      assert.deepEqual([...cut.y.subarray(k * 16, (k + 1) * 16)], [...a.y.subarray(k * SEQ, k * SEQ + 16)]);
      assert.deepEqual([...cut.x.subarray(3 * k * 16, 3 * k * 16 + 16)], [...a.x.subarray(3 * k * SEQ, 3 * k * SEQ + 16)]);
    }
  });
});

describe('the MLM objective', () => {
  it('is the mean cross-entropy of the model\'s logits at the labelled positions (dropout off)', () => {
    const config: nn.BertConfig = { vocabSize: VOCAB, hiddenSize: 8, numHiddenLayers: 1, numAttentionHeads: 2, intermediateSize: 16, maxPositionEmbeddings: 12, numLabels: 2, hiddenDropoutProb: 0, attentionProbsDropoutProb: 0 };
    const model = nn.bertForMaskedLM(config);
    const params = nn.initParams(model, 5);
    const batch = maskBatch(rows, SEQ, [0, 1], 12, { ...masking, probability: 0.5 }, 1, 0);
    const shapes = nn.paramShapes(model);
    const obj = mlmObjective(model, 2, [3, 12]);
    const prog = build({ ...shapes, x: { shape: [2, 3, 12], dtype: 'i32' }, y: { shape: [2, 12], dtype: 'i32' }, key: { shape: [], dtype: 'i32' } }, (i) => {
      const out = obj.build(i, i);
      const logits = model.apply(i, { inputIds: g.reshape(g.slice(i.x, [0, 0, 0], [2, 1, 12]), [2, 12]), attentionMask: g.cast(g.reshape(g.slice(i.x, [0, 1, 0], [2, 2, 12]), [2, 12]), 'f32') }, nn.evalCtx);
      return { loss: out.loss, logits };
    });
    const res = right(g.interpret(prog, { ...params, x: batch.x, y: batch.y, key: 0 }));
    // by hand: -log softmax(logits)[label] averaged over the labelled positions
    let sum = 0;
    let n = 0;
    for (let p = 0; p < 24; p++) {
      const label = batch.y[p];
      if (label < 0) continue;
      const row = res.logits.subarray(p * VOCAB, (p + 1) * VOCAB);
      const max = Math.max(...row);
      const lse = max + Math.log(row.reduce((a, v) => a + Math.exp(v - max), 0));
      sum += lse - row[label];
      n++;
    }
    assert.ok(n > 3, `${n} labelled positions`);
    assert.ok(Math.abs(res.loss[0] - sum / n) < 1e-9, `${res.loss[0]} vs ${sum / n}`);
  });

  it('the decoder is tied: BertForMaskedLM has no decoder weight, and its logits move with the word embeddings', () => {
    const model = nn.bertForMaskedLM({ vocabSize: 20, hiddenSize: 8, numHiddenLayers: 1, numAttentionHeads: 2, intermediateSize: 16, maxPositionEmbeddings: 8, numLabels: 2 });
    const names = model.params.map((p) => p.name);
    assert.deepEqual(names.filter((n) => n.startsWith('cls.')), ['cls.predictions.bias', 'cls.predictions.transform.dense.weight', 'cls.predictions.transform.dense.bias', 'cls.predictions.transform.LayerNorm.weight', 'cls.predictions.transform.LayerNorm.bias']);
    assert.ok(!names.some((n) => n.includes('pooler')), 'no pooler, as add_pooling_layer=False');
  });
});
