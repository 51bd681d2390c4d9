// GPT-2 folders written by transformers' save_pretrained (fixtures/gen-hf-gpt2.py: f32, bf16, f16, sharded) load
// into graft's GPT2ForSequenceClassification and GPT2LMHeadModel with PyTorch's logits; config problems are
// reported all at once, each with its field.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as E from 'fp-ts/lib/Either.js';
import * as g from '../../../src/dsl/index.js';
import * as nn from '../../../src/nn/index.js';
import { decodeHfGpt2Config, loadHfGpt2, oversizedNote } from '../../../src/train/hf/index.js';
import { assertClose, build, right } from '../../nn/harness.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const golden = JSON.parse(readFileSync(fixture('hf-gpt2-logits.json'), 'utf8')) as {
  inputs: { input_ids: number[][]; attention_mask: number[][] };
  logits: Record<string, { classifier: number[][]; lm: number[][][] }>;
};
const [batch, seq] = [golden.inputs.input_ids.length, golden.inputs.input_ids[0].length];

const forward = (model: nn.Layer<any>, params: Record<string, Float32Array>): Float64Array => {
  const prog = build({ ...nn.paramShapes(model), ids: { shape: [batch, seq], dtype: 'i32' }, mask: [batch, seq] }, (i) => ({ out: model.apply(i, { inputIds: i.ids, attentionMask: i.mask }, nn.evalCtx) }));
  return right(g.interpret(prog, { ...params, ids: golden.inputs.input_ids.flat(), mask: golden.inputs.attention_mask.flat() })).out;
};

describe('Hugging Face GPT-2 folders', () => {
  for (const folder of Object.keys(golden.logits)) {
    it(`${folder}: the classifier's and the LM head's logits are PyTorch's`, () => {
      const cls = loadHfGpt2(fixture(folder), { task: 'classifier' });
      if (E.isLeft(cls)) assert.fail(JSON.stringify(cls.left));
      assert.deepEqual(cls.right.labels, ['neg', 'neutral', 'pos']);
      assertClose(forward(cls.right.model, cls.right.params), golden.logits[folder].classifier.flat(), { atol: 2e-6, rtol: 1e-5 }, `${folder} classifier`);
      const lm = loadHfGpt2(fixture(folder), { task: 'lm' });
      if (E.isLeft(lm)) assert.fail(JSON.stringify(lm.left));
      assert.ok(lm.right.notes.some((n) => n.includes('not used: score.weight')), lm.right.notes.join('\n'));
      assertClose(forward(lm.right.model, lm.right.params), golden.logits[folder].lm.flat(2), { atol: 2e-6, rtol: 1e-5 }, `${folder} LM`);
    });
  }

  it('another label count gives a fresh score head, named in a note', () => {
    const r = loadHfGpt2(fixture('hf-gpt2-f32'), { task: 'classifier', labels: ['ham', 'spam'], seed: 3 });
    if (E.isLeft(r)) assert.fail(JSON.stringify(r.left));
    assert.deepEqual([...r.right.model.params.find((p) => p.name === 'score.weight')!.shape], [2, 8]);
    assert.ok(r.right.notes.some((n) => n === 'newly initialised: score.weight'), r.right.notes.join('\n'));
  });

  it('gpt2\'s token embeddings (50257 x 768 > 2^24 elements) are noted as past gpu.js\'s tensor limit; the tiny fixture\'s are not', () => {
    const gpt2 = nn.gpt2LMHead({ vocabSize: 50257, maxPositions: 1024, hiddenSize: 768, numLayers: 12, numHeads: 12 });
    assert.deepEqual(oversizedNote(gpt2), ["transformer.wte.weight [50257, 768] exceeds 16777216 elements: the gpu.js backends (webasm, cpu) refuse programs that take it (the webgpu backend's limit is its adapter's)"]);
    const tiny = loadHfGpt2(fixture('hf-gpt2-f32'), { task: 'lm' });
    if (E.isLeft(tiny)) assert.fail(JSON.stringify(tiny.left));
    assert.ok(!tiny.right.notes.some((n) => n.includes('exceeds')), tiny.right.notes.join('\n'));
  });

  it('config.json problems all at once, each with its field', () => {
    const r = decodeHfGpt2Config({ model_type: 'gpt2', n_embd: 10, n_head: 3, activation_function: 'swish', scale_attn_by_inverse_layer_idx: true, resid_pdrop: 1.5 });
    assert.ok(E.isLeft(r));
    assert.deepEqual(r.left.map((p) => p.path).sort(), ['activation_function', 'n_head', 'resid_pdrop', 'scale_attn_by_inverse_layer_idx'].sort());
  });
});

describe('GPT-2 out', () => {
  it('saveHfGpt2 writes a folder graft reads back to the same parameters (the tied lm_head left out)', async () => {
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { saveHfGpt2 } = await import('../../../src/train/hf/index.js');
    const { readHfWeights } = await import('../../../src/train/hf/index.js');
    const loaded = loadHfGpt2(fixture('hf-gpt2-bf16'), { task: 'classifier' });
    if (E.isLeft(loaded)) assert.fail(JSON.stringify(loaded.left));
    const dir = join(mkdtempSync(join(tmpdir(), 'gpt2-out-')), 'model');
    const saved = saveHfGpt2(dir, 'classifier', loaded.right.config, loaded.right.labels, loaded.right.params);
    assert.ok(E.isRight(saved), E.isLeft(saved) ? JSON.stringify(saved.left) : '');
    const again = loadHfGpt2(dir, { task: 'classifier' });
    if (E.isLeft(again)) assert.fail(JSON.stringify(again.left));
    assert.deepEqual(again.right.params, loaded.right.params);
    assert.deepEqual(again.right.labels, ['neg', 'neutral', 'pos']);
    const names = [...E.getOrElseW(() => assert.fail('weights'))(readHfWeights(dir)).tensors.keys()];
    assert.ok(!names.includes('lm_head.weight') && names.includes('score.weight') && names.includes('transformer.wte.weight'));
    const bad = saveHfGpt2(join(dir, '..', 'other'), 'classifier', loaded.right.config, ['a'], { ...loaded.right.params, 'score.weight': new Float32Array(3) });
    assert.ok(E.isLeft(bad));
    assert.deepEqual(bad.left.map((p) => p.path), ['["score.weight"]', 'labels']);
  });
});
