// MLM masking: only real, non-special tokens are chosen, about 15% of them, split 80/10/10 into [MASK], a random
// token and the token itself; labels hold the original ids there and -1 elsewhere; draws are keyed by position, so
// a batch cut shorter masks its tokens alike. The MLM loss is the mean cross-entropy at the chosen positions.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as E from 'fp-ts/lib/Either.js';
import * as g from '../../../src/dsl/index.js';
import * as nn from '../../../src/nn/index.js';
import { packTokenRows } from '../../../src/train/data/token-rows.js';
import { maskBatch, maskedTargets, mlmCapacity, mlmObjective } from '../../../src/train/text/mlm.js';
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
  const config: nn.BertConfig = { vocabSize: VOCAB, hiddenSize: 8, numHiddenLayers: 1, numAttentionHeads: 2, intermediateSize: 16, maxPositionEmbeddings: 12, numLabels: 2, hiddenDropoutProb: 0, attentionProbsDropoutProb: 0 };
  const model = nn.bertForMaskedLM(config);
  const params = nn.initParams(model, 5);
  const shapes = nn.paramShapes(model);
  const capacity = mlmCapacity(4, 12);
  const batch = maskBatch(rows, SEQ, [0, 1, 2, 3], 12, masking, 1, 0, capacity);
  const obj = mlmObjective(model, 4, [3, 12]);
  const adapt = (x: g.Tensor) => ({ inputIds: g.reshape(g.slice(x, [0, 0, 0], [4, 1, 12]), [4, 12]), attentionMask: g.cast(g.reshape(g.slice(x, [0, 1, 0], [4, 2, 12]), [4, 12]), 'f32') });

  it('takes the logits only at the chosen positions: the loss is the float64 mean cross-entropy of the full logits there (dropout off)', () => {
    assert.ok(capacity < 48, `capacity ${capacity} is fewer rows than the batch's 48 positions`);
    const prog = build({ ...shapes, x: { shape: [4, 3, 12], dtype: 'i32' }, y: { shape: [2, capacity], dtype: 'i32' }, key: { shape: [], dtype: 'i32' } }, (i) => {
      const out = obj.build(i, i);
      return { loss: out.loss, accuracy: out.metrics!.accuracy, logits: model.apply(i, adapt(i.x), nn.evalCtx) };
    });
    const res = right(g.interpret(prog, { ...params, x: batch.x, y: maskedTargets(batch.y, capacity), key: 0 }));
    // by hand from every position's logits: -log softmax(logits)[label] averaged over the labelled positions
    let sum = 0;
    let n = 0;
    let hits = 0;
    for (let p = 0; p < 48; p++) {
      const label = batch.y[p];
      if (label < 0) continue;
      const row = Array.from(res.logits.subarray(p * VOCAB, (p + 1) * VOCAB));
      const max = Math.max(...row);
      const lse = max + Math.log(row.reduce((a, v) => a + Math.exp(v - max), 0));
      sum += lse - row[label];
      hits += row.indexOf(max) === label ? 1 : 0;
      n++;
    }
    assert.ok(n > 3, `${n} labelled positions`);
    assert.ok(Math.abs(res.loss[0] - sum / n) < 1e-9, `${res.loss[0]} vs ${sum / n}`);
    assert.equal(res.accuracy[0], hits / n);
  });

  it('its gradient equals the full computation\'s (every position, -1 where not chosen) in float64', () => {
    const names = Object.keys(shapes);
    const prog = build({ ...shapes, x: { shape: [4, 3, 12], dtype: 'i32' }, y: { shape: [2, capacity], dtype: 'i32' }, full: { shape: [48], dtype: 'i32' }, key: { shape: [], dtype: 'i32' } }, (i) => {
      const wrt = Object.fromEntries(names.map((k) => [k, (i as Record<string, g.Tensor>)[k]]));
      const gathered = g.grad(obj.build(i, i).loss, wrt);
      const logits = model.apply(i, adapt(i.x), nn.evalCtx);
      const all = g.grad(nn.crossEntropy(g.reshape(logits, [48, VOCAB]), i.full), wrt);
      return Object.fromEntries(names.flatMap((k) => [[`g:${k}`, gathered[k]], [`f:${k}`, all[k]]]));
    });
    const res = right(g.interpret(prog, { ...params, x: batch.x, y: maskedTargets(batch.y, capacity), full: batch.y, key: 0 }));
    for (const k of names) {
      const [a, b] = [res[`g:${k}`], res[`f:${k}`]];
      assert.ok(a.every((v, j) => Math.abs(v - b[j]) < 1e-12), `${k}`);
    }
    assert.ok(res['g:bert.embeddings.word_embeddings.weight'].some((v) => v !== 0));
  });

  it('maskedTargets lists the chosen positions then their labels; maskBatch chooses at most `capacity` tokens, the first in row order', () => {
    const y = Float32Array.of(-1, 7, -1, -1, 9, 3);
    assert.deepEqual([...maskedTargets(y, 4)], [1, 4, 5, 0, 7, 9, 3, -1]);
    assert.throws(() => maskedTargets(y, 2), /more than 2 chosen/);
    const free = maskBatch(rows, SEQ, all, SEQ, masking, 1, 0);
    const chosen = free.y.reduce((a, v) => a + (v >= 0 ? 1 : 0), 0);
    const capped = maskBatch(rows, SEQ, all, SEQ, masking, 1, 0, 10);
    const firstTen = free.y.findIndex((_, p) => free.y.subarray(0, p + 1).reduce((a, v) => a + (v >= 0 ? 1 : 0), 0) === 10);
    assert.ok(chosen > 10);
    assert.deepEqual([...capped.y.subarray(0, firstTen + 1)], [...free.y.subarray(0, firstTen + 1)]);
    assert.ok(capped.y.subarray(firstTen + 1).every((v) => v === -1), 'nothing chosen past the capacity');
    // a token left unchosen is left as it was
    for (let p = firstTen + 1; p < capped.y.length; p++) {
      const k = Math.floor(p / SEQ);
      const t = p % SEQ;
      assert.equal(capped.x[3 * k * SEQ + t], rows[3 * k * SEQ + t]);
    }
  });

  it('mlmCapacity: mean plus six standard deviations, rounded up to 8, at most every position', () => {
    // 32 x 128 at 0.15: 614.4 + 6 * sqrt(4096 * 0.15 * 0.85) = 751.7 -> 752
    assert.equal(mlmCapacity(32, 128), 752);
    assert.equal(mlmCapacity(2, 3, 0.5), 6);
  });

  it('the decoder is tied: BertForMaskedLM has no decoder weight, and its logits move with the word embeddings', () => {
    const model = nn.bertForMaskedLM({ vocabSize: 20, hiddenSize: 8, numHiddenLayers: 1, numAttentionHeads: 2, intermediateSize: 16, maxPositionEmbeddings: 8, numLabels: 2 });
    const names = model.params.map((p) => p.name);
    assert.deepEqual(names.filter((n) => n.startsWith('cls.')), ['cls.predictions.bias', 'cls.predictions.transform.dense.weight', 'cls.predictions.transform.dense.bias', 'cls.predictions.transform.LayerNorm.weight', 'cls.predictions.transform.LayerNorm.bias']);
    assert.ok(!names.some((n) => n.includes('pooler')), 'no pooler, as add_pooling_layer=False');
  });
});
