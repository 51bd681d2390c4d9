// maskedTokenRows: the trainer's batches reach BERT as ids, attention mask and token types, so padding is invisible.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as E from 'fp-ts/lib/Either.js';
import * as g from '../../src/dsl/index.js';
import * as nn from '../../src/nn/index.js';
import { evaluationProgram, maskedTokenRows, tokenRows } from '../../src/train/classifier-objective.js';
import { packTokenRows } from '../../src/train/data/token-rows.js';
import { build, right } from '../nn/harness.js';

const config: nn.BertConfig = { vocabSize: 20, hiddenSize: 8, numHiddenLayers: 2, numAttentionHeads: 2, intermediateSize: 12, maxPositionEmbeddings: 8, numLabels: 3, padTokenId: 0 };
const model = nn.bertClassifier(config);
const shapes = nn.paramShapes(model);
const params = nn.initParams(model, 9);
// weights larger than the 0.02 init so padding, if seen, would show
const big = Object.fromEntries(Object.entries(params).map(([n, v]) => [n, n.endsWith('LayerNorm.weight') ? v : Float32Array.from(v, (x) => x * 25)]));
const examples = [{ inputIds: [2, 5, 7, 11], tokenTypeIds: [0, 0, 1, 1] }, { inputIds: [3, 9, 4], tokenTypeIds: [0, 1, 1] }];
const labels = [2, 0];
const lossOf = (prog: g.Program, feeds: g.Feeds) => right(g.interpret(prog, feeds)).loss[0];
const pFeeds = Object.fromEntries(Object.entries(big).map(([n, v]) => [`p:${n}`, v]));

describe('maskedTokenRows', () => {
  it('the evaluation loss equals the model given ids, mask and types explicitly', () => {
    const seq = 6;
    const rows = right(E.mapLeft((ps) => new Error(JSON.stringify(ps)))(packTokenRows(examples, seq, 0)));
    const viaRows = lossOf(right(evaluationProgram(model, shapes, 2, [3, seq], maskedTokenRows)), { ...pFeeds, x: rows, y: labels });
    const direct = build({ ...shapes, ids: { shape: [2, seq], dtype: 'i32' }, mask: [2, seq], types: { shape: [2, seq], dtype: 'i32' }, y: { shape: [2], dtype: 'i32' } }, (i) => ({
      loss: nn.crossEntropy(model.apply(i, { inputIds: i.ids, attentionMask: i.mask, tokenTypeIds: i.types }, nn.evalCtx), i.y),
    }));
    const part = (k: number) => Array.from({ length: 2 }, (_, b) => [...rows.slice((3 * b + k) * seq, (3 * b + k + 1) * seq)]).flat();
    assert.equal(viaRows, lossOf(direct, { ...big, ids: part(0), mask: part(1), types: part(2), y: labels }));
  });

  it('padding is invisible: each example padded to 8 scores as it does unpadded; unmasked token rows would not', () => {
    const padded = right(E.mapLeft((ps) => new Error(JSON.stringify(ps)))(packTokenRows(examples, 8, 0)));
    const masked = lossOf(right(evaluationProgram(model, shapes, 2, [3, 8], maskedTokenRows)), { ...pFeeds, x: padded, y: labels });
    // unpadded: one example at a time at its own length, the mean of the two losses
    const alone = examples.map((ex, k) => {
      const n = ex.inputIds.length;
      const rows = right(E.mapLeft((ps) => new Error(JSON.stringify(ps)))(packTokenRows([ex], n, 0)));
      return lossOf(right(evaluationProgram(model, shapes, 1, [3, n], maskedTokenRows)), { ...pFeeds, x: rows, y: [labels[k]] });
    });
    assert.ok(Math.abs(masked - (alone[0] + alone[1]) / 2) < 1e-9, `${masked} vs ${(alone[0] + alone[1]) / 2}`);
    const idsOnly = Float32Array.from([0, 1].flatMap((b) => [...padded.slice(3 * b * 8, (3 * b + 1) * 8)]));
    const unmasked = lossOf(right(evaluationProgram(model, shapes, 2, [8], tokenRows)), { ...pFeeds, x: idsOnly, y: labels });
    assert.ok(Math.abs(unmasked - masked) > 1e-3, `without the mask the padding changes the loss (${unmasked} vs ${masked})`);
  });

  it('rows that are not [3, seq] are a BuildError naming the shape', () => {
    const r = evaluationProgram(model, shapes, 2, [2, 6], maskedTokenRows);
    assert.ok(E.isLeft(r) && /rows must be \[3, seq\] \(ids, mask, types\), got \[2, 6\]/.test(r.left.message), E.isLeft(r) ? r.left.message : 'built');
  });
});
