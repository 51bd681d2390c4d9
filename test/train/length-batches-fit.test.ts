// Training on token rows cut per batch: the trainer feeds ids, attention mask and token types, groups examples by
// length and pads each batch only to its longest row. Padding has no effect: the same batches padded to the full
// length train to the same numbers, and the length-aware evaluator scores as the full-length one does.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as E from 'fp-ts/lib/Either.js';
import * as nn from '../../src/nn/index.js';
import * as o from '../../src/optim/index.js';
import type { Shape } from '../../src/dsl/index.js';
import type { Runtime } from '../../src/runtime/index.js';
import { createRuntime } from '../../src/runtime/index.js';
import type { Examples } from '../../src/train/fit.js';
import { classifierRunners, evaluator, fit, trainEpoch } from '../../src/train/fit.js';
import { maskedTokenRows } from '../../src/train/classifier-objective.js';
import { packTokenRows } from '../../src/train/data/token-rows.js';
import { mulberry32 } from '../../props/mulberry32.js';
import { assertClose } from '../nn/harness.js';

const SEQ = 16;
const NEEDLE = 9;
const config: nn.BertConfig = { vocabSize: 12, hiddenSize: 16, numHiddenLayers: 1, numAttentionHeads: 2, intermediateSize: 32, maxPositionEmbeddings: SEQ, numLabels: 2, padTokenId: 0 };
const model = nn.bertClassifier(config);

/** Sequences of 2 to SEQ tokens ([CLS]=1 first); label 1 when the needle occurs. */
const needles = (count: number, seed: number): Examples => {
  const rand = mulberry32(seed);
  const encodings = Array.from({ length: count }, (_, r) => {
    const n = 2 + Math.floor(rand() * (SEQ - 1));
    const ids = [1, ...Array.from({ length: n - 1 }, () => 2 + Math.floor(rand() * (NEEDLE - 2)))];
    if (r % 2) ids[1 + Math.floor(rand() * (n - 1))] = NEEDLE;
    return { inputIds: ids, tokenTypeIds: ids.map(() => 0) };
  });
  const rows = packTokenRows(encodings, SEQ, 0);
  if (E.isLeft(rows)) throw new Error(JSON.stringify(rows.left));
  return { inputs: rows.right, labels: Int32Array.from(encodings, (_, r) => r % 2), count, lengths: Int32Array.from(encodings, (e) => e.inputIds.length) };
};

let rt: Runtime;
before(async () => {
  rt = await createRuntime({ backend: 'wasm' });
});
after(() => rt.destroy());

const base = { model, input: maskedTokenRows, features: [3, SEQ], epochs: 2, batchSize: 8, seed: 4, stepsPerCall: 3 };
const transform = () => o.chain(o.clipByGlobalNorm(1), o.adamw(3e-3, { weightDecay: 0.01 }));

describe('batches cut to their length', () => {
  it('each batch compiles at its own padded length (hand-derived from the lengths)', async () => {
    // lengths 5 1 4 2 3 6: one group, longest first -> batches {5, 0} (6), {2, 4} (4), {3, 1} (2)
    const lengths = [5, 1, 4, 2, 3, 6];
    const rows = packTokenRows(lengths.map((n) => ({ inputIds: Array.from({ length: n }, (_, t) => 1 + t) })), 8, 0);
    const train: Examples = { inputs: E.getOrElseW(() => assert.fail('rows'))(rows), labels: Int32Array.from(lengths, (n) => n % 2), count: 6, lengths: Int32Array.from(lengths) };
    const smallModel = nn.bertClassifier({ ...config, maxPositionEmbeddings: 8 });
    const params = nn.initParams(smallModel, 1);
    for (const [multiple, want] of [[1, [2, 4, 6]], [4, [4, 8]]] as const) {
      const runners = classifierRunners(rt, smallModel, o.adamw(1e-3), Object.keys(params), params, 2, [3, 8], maskedTokenRows);
      const asked = new Set<number>();
      const s0 = E.getOrElseW((e) => assert.fail(String(e)))(await runners.full.init(params));
      await trainEpoch((f: Shape) => (asked.add(f[1]), runners.at(f)), s0, train, 0, { batchSize: 2, seed: 7, width: 24, features: [3, 8], padMultiple: multiple, stepsPerCall: 2 });
      runners.destroy();
      assert.deepEqual([...asked].sort((a, b) => a - b), want, `padMultiple ${multiple}`);
    }
  });

  it('padding to the full length changes nothing: the same losses and weights (within f32 rounding)', async () => {
    // without dropout: its masks are drawn per element of [batch, seq, hidden], so another padded length draws others
    const still = nn.bertClassifier({ ...config, hiddenDropoutProb: 0, attentionProbsDropoutProb: 0 });
    const params = nn.initParams(still, 2);
    const train = needles(96, 1);
    const evalSet = needles(40, 2);
    const cut = await fit(rt, { ...base, model: still, transform: transform(), padMultiple: 4 }, params, train, evalSet);
    const full = await fit(rt, { ...base, model: still, transform: transform(), padMultiple: SEQ }, params, train, evalSet);
    for (const k of ['trainLoss', 'trainAccuracy', 'evalLoss', 'evalAccuracy'] as const) assertClose(cut.records.map((r) => r[k]), full.records.map((r) => r[k]), { atol: 2e-5, rtol: 2e-5 }, k);
    for (const n of Object.keys(params)) assertClose(cut.params[n], full.params[n], { atol: 2e-5, rtol: 1e-4 }, n);
    assert.ok(cut.records[1].trainLoss < cut.records[0].trainLoss + 1, 'trained');
  });

  it('the same seed gives the same numbers, bit for bit', async () => {
    const params = nn.initParams(model, 3);
    const train = needles(64, 5);
    const evalSet = needles(20, 6);
    const a = await fit(rt, { ...base, transform: transform(), epochs: 1 }, params, train, evalSet);
    const b = await fit(rt, { ...base, transform: transform(), epochs: 1 }, params, train, evalSet);
    assert.deepEqual(a.records.map(({ seconds, ...r }) => r), b.records.map(({ seconds, ...r }) => r));
    assert.deepEqual(a.params, b.params);
  });

  it('the length-aware evaluator (chunks by length, filler rows uncounted) scores as one full-length pass', async () => {
    const params = nn.initParams(model, 4);
    const set = needles(150, 8);
    const { lengths, ...fullRows } = set;
    const byLength = evaluator(rt, model, [3, SEQ], set, maskedTokenRows, true, 4);
    const whole = evaluator(rt, model, [3, SEQ], fullRows, maskedTokenRows, true);
    const a = await byLength.run(params);
    const b = await whole.run(params);
    byLength.destroy();
    whole.destroy();
    assert.ok(Math.abs(a.loss - b.loss) < 1e-5, `${a.loss} vs ${b.loss}`);
    assert.ok(Math.abs(a.accuracy - b.accuracy) < 1e-6, `${a.accuracy} vs ${b.accuracy}`);
    assert.deepEqual(a.predictions, b.predictions);
  });
});
