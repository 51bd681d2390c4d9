// config.json -> graft's BertConfig: transformers' defaults, labels, unsupported fields reported together, and back.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as E from 'fp-ts/lib/Either.js';
import * as nn from '../../../src/nn/index.js';
import { decodeHfBertConfig, hfBertConfigJson } from '../../../src/train/hf/index.js';
import { right } from '../../nn/harness.js';
import { tinyConfig, tinyHfConfig } from './fixtures.js';

// bert-base-uncased's config.json as published on the Hub
const bertBaseUncased = {
  architectures: ['BertForMaskedLM'], attention_probs_dropout_prob: 0.1, gradient_checkpointing: false, hidden_act: 'gelu', hidden_dropout_prob: 0.1,
  hidden_size: 768, initializer_range: 0.02, intermediate_size: 3072, layer_norm_eps: 1e-12, max_position_embeddings: 512, model_type: 'bert',
  num_attention_heads: 12, num_hidden_layers: 12, pad_token_id: 0, position_embedding_type: 'absolute', transformers_version: '4.6.0.dev0',
  type_vocab_size: 2, use_cache: true, vocab_size: 30522,
};

describe('a Hugging Face BertConfig read as graft’s', () => {
  it('bert-base-uncased: graft’s bert-base with two labels (HF’s default LABEL_0, LABEL_1), nothing ignored', () => {
    const c = right(decodeHfBertConfig(bertBaseUncased));
    assert.deepEqual(c.config, nn.resolveBertConfig(nn.bertBaseConfig(2)));
    assert.deepEqual(c.labels, ['LABEL_0', 'LABEL_1']);
    assert.deepEqual(c.ignored, []);
  });

  it('a missing field takes transformers’ default; id2label gives the labels; classifier_dropout null means hidden_dropout_prob', () => {
    const c = right(decodeHfBertConfig({ hidden_size: 64, num_attention_heads: 4, hidden_dropout_prob: 0.2, id2label: { 0: 'a', 1: 'b', 2: 'c' }, classifier_dropout: null }));
    assert.equal(c.config.vocabSize, 30522);
    assert.equal(c.config.numHiddenLayers, 12);
    assert.equal(c.config.classifierDropout, 0.2);
    assert.equal(c.config.numLabels, 3);
    assert.deepEqual(c.labels, ['a', 'b', 'c']);
    assert.equal(right(decodeHfBertConfig({ num_labels: 5 })).labels.length, 5);
    assert.equal(right(decodeHfBertConfig({ hidden_act: 'gelu_pytorch_tanh' })).config.hiddenAct, 'gelu_tanh');
    assert.equal(right(decodeHfBertConfig({ pad_token_id: null })).config.padTokenId, null);
  });

  it('fields graft does not read are listed, not hidden', () => {
    assert.deepEqual(right(decodeHfBertConfig({ ...bertBaseUncased, my_field: 1, summary_type: 'first' })).ignored, ['my_field', 'summary_type']);
  });

  it('every unsupported or wrong field at once, each with its path', () => {
    const r = decodeHfBertConfig({
      ...bertBaseUncased, model_type: 'roberta', position_embedding_type: 'relative_key', is_decoder: true, add_cross_attention: true,
      hidden_act: 'swish', vocab_size: 0, num_attention_heads: 7, layer_norm_eps: -1, pruned_heads: { 0: [1] }, problem_type: 'regression',
      id2label: { 0: 'a', 2: 'c' }, num_labels: 3,
    });
    assert.ok(E.isLeft(r));
    const got = Object.fromEntries(r.left.map((p) => [p.path, p.message]));
    assert.deepEqual(Object.keys(got).sort(), ['add_cross_attention', 'hidden_act', 'id2label.1', 'is_decoder', 'layer_norm_eps', 'model_type', 'num_attention_heads', 'num_labels', 'position_embedding_type', 'problem_type', 'pruned_heads', 'vocab_size'].sort());
    assert.match(got.position_embedding_type, /"relative_key" is not supported: expected 'absolute'/);
    assert.match(got.hidden_act, /"swish" is not an activation graft computes \(gelu, gelu_new, gelu_pytorch_tanh, relu\)/);
    assert.match(got.vocab_size, /expected an integer >= 1, got 0/);
    assert.match(got.num_attention_heads, /7 heads do not divide hidden_size 768/);
    assert.match(got['id2label.1'], /missing: ids run 0…1/);
    assert.match(got.num_labels, /3, but id2label names 2 labels/);
  });

  it('a pad_token_id outside the vocabulary, and a file that is not an object', () => {
    assert.deepEqual(E.isLeft(decodeHfBertConfig({ vocab_size: 10, pad_token_id: 10 })) && decodeHfBertConfig({ vocab_size: 10, pad_token_id: 10 }), E.left([{ path: 'pad_token_id', message: '10 is not a row of the 10-word vocabulary' }]));
    assert.ok(E.isLeft(decodeHfBertConfig([1, 2])));
  });

  it('written back, it reads as the same config and labels', () => {
    const c = right(decodeHfBertConfig(tinyHfConfig({ hidden_act: 'gelu_new', pad_token_id: 3, classifier_dropout: 0.3 })));
    assert.deepEqual(c.config, nn.resolveBertConfig({ ...tinyConfig, hiddenAct: 'gelu_tanh', padTokenId: 3, classifierDropout: 0.3 }));
    const back = right(decodeHfBertConfig(JSON.parse(JSON.stringify(hfBertConfigJson(c.config, c.labels)))));
    assert.deepEqual(back, { ...c, ignored: [] });
  });
});
