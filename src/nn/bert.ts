// A BERT encoder classifier with Hugging Face BertForSequenceClassification's module tree and
// parameter names (`bert.embeddings.word_embeddings.weight`, `bert.encoder.layer.0.attention.self.query.weight`,
// …, `bert.pooler.dense.weight`, `classifier.weight`), so a checkpoint's tensors map onto it by name
// and its ModelSpec equals the one schedules and shard layouts are written against.
import * as g from '../dsl/index.js';
import type { Tensor } from '../dsl/index.js';
import type { ParamTree } from '../optim/tree.js';
import type { Ctx, Init, Layer } from './layer.js';
import { join, layer, moduleList } from './layer.js';
import { embedding } from './embedding.js';
import { layerNorm } from './layer-norm.js';
import { dropout } from './dropout.js';
import { attentionBias } from './attention.js';
import type { BertConfig, ResolvedBertConfig } from './bert-config.js';
import { bertSites, resolveBertConfig } from './bert-config.js';
import type { EncoderInput } from './bert-layer.js';
import { bertLayer, bertLinear } from './bert-layer.js';

export interface BertInputs {
  /** Token ids, i32 [batch, seq] (seq <= maxPositionEmbeddings). */
  readonly inputIds: Tensor;
  /** 1 = attend, 0 = padding, f32 or bool [batch, seq]; default all 1. */
  readonly attentionMask?: Tensor;
  /** Segment ids, i32 [batch, seq]; default all 0 (as HF). */
  readonly tokenTypeIds?: Tensor;
}

/** Word + position (+ token type) embeddings, LayerNorm, dropout: [batch, seq] ids -> [batch, seq, hidden]. */
const bertEmbeddings = (c: ResolvedBertConfig, at: string): Layer<BertInputs> => {
  const init: Init = { kind: 'normal', std: c.initializerRange };
  const h = c.hiddenSize;
  // nn.Embedding(vocab_size, hidden_size, padding_idx=config.pad_token_id), as HF's BertEmbeddings
  const words = embedding(join(at, 'word_embeddings'), c.vocabSize, h, { init, ...(c.padTokenId === null ? {} : { paddingIdx: c.padTokenId }) });
  const positions = embedding(join(at, 'position_embeddings'), c.maxPositionEmbeddings, h, { init });
  const types = c.typeVocabSize > 0 ? [embedding(join(at, 'token_type_embeddings'), c.typeVocabSize, h, { init })] : [];
  const norm = layerNorm(join(at, 'LayerNorm'), h, { eps: c.layerNormEps });
  const drop = dropout(join(at, 'dropout'), c.hiddenDropoutProb, bertSites.embeddings);
  return layer(at, 'BertEmbeddings', { children: [words, positions, ...types, norm, drop] }, (p, { inputIds, tokenTypeIds }, ctx) => {
    const [batch, seq] = inputIds.shape;
    if (seq > c.maxPositionEmbeddings) throw new g.BuildError('shape-mismatch', 'bertEmbeddings', `sequence length ${seq} exceeds ${c.maxPositionEmbeddings} positions`);
    const positionIds = g.constant(Array.from({ length: seq }, (_, i) => i), [seq], 'i32');
    let x = g.add(words.apply(p, inputIds, ctx), positions.apply(p, positionIds, ctx));
    if (types.length) x = g.add(x, types[0].apply(p, tokenTypeIds ?? g.zeros([batch, seq], 'i32'), ctx));
    return drop.apply(p, norm.apply(p, x, ctx), ctx);
  });
};

/** `bert.encoder`: the layers in turn. */
const bertEncoder = (c: ResolvedBertConfig, at: string): Layer<EncoderInput> => {
  const layers = Array.from({ length: c.numHiddenLayers }, (_, n) => bertLayer(c, join(at, 'layer', n), n));
  const list = moduleList(join(at, 'layer'), layers);
  return layer(at, 'BertEncoder', { children: [list] }, (p, { hidden, bias }, ctx) =>
    layers.reduce((h, l) => l.apply(p, { hidden: h, bias }, ctx), hidden),
  );
};

/** The first token's hidden state through dense + tanh: [batch, seq, hidden] -> [batch, hidden]. */
const bertPooler = (c: ResolvedBertConfig, at: string): Layer => {
  const dense = bertLinear(c, join(at, 'dense'), c.hiddenSize, c.hiddenSize);
  const act = layer(join(at, 'activation'), 'Tanh', {}, (_, x: Tensor) => g.tanh(x));
  return layer(at, 'BertPooler', { children: [dense, act] }, (p, hidden, ctx) => {
    const [batch, , h] = hidden.shape;
    const first = g.reshape(g.slice(hidden, [0, 0, 0], [batch, 1, h]), [batch, h]);
    return act.apply(p, dense.apply(p, first, ctx), ctx);
  });
};

/** Embeddings then encoder, with the attention mask as an additive bias: the sequence output [batch, seq, hidden]. */
const embedAndEncode = (c: ResolvedBertConfig, at: string) => {
  const emb = bertEmbeddings(c, join(at, 'embeddings'));
  const enc = bertEncoder(c, join(at, 'encoder'));
  const run = (p: ParamTree, inputs: BertInputs, ctx: Ctx): Tensor => {
    const bias = inputs.attentionMask ? attentionBias(inputs.attentionMask) : undefined;
    return enc.apply(p, { hidden: emb.apply(p, inputs, ctx), bias }, ctx);
  };
  return { children: [emb, enc], run };
};

/** `bert` without a pooler (BertModel with add_pooling_layer=False, as in BertForMaskedLM): the sequence output. */
export const bertEncoderModel = (config: BertConfig, at = 'bert'): Layer<BertInputs> => {
  const { children, run } = embedAndEncode(resolveBertConfig(config), at);
  return layer(at, 'BertModel', { children }, run);
};

/** `bert`: embeddings, encoder, pooler; returns the sequence output and the pooled output. */
export const bertModel = (config: BertConfig, at = 'bert'): Layer<BertInputs, { sequence: Tensor; pooled: Tensor }> => {
  const c = resolveBertConfig(config);
  const { children, run } = embedAndEncode(c, at);
  const pool = bertPooler(c, join(at, 'pooler'));
  return layer(at, 'BertModel', { children: [...children, pool] }, (p, inputs, ctx) => {
    const sequence = run(p, inputs, ctx);
    return { sequence, pooled: pool.apply(p, sequence, ctx) };
  });
};

/** BertForSequenceClassification: inputs -> logits [batch, numLabels]. */
export const bertClassifier = (config: BertConfig): Layer<BertInputs> => {
  const c = resolveBertConfig(config);
  const bert = bertModel(c, 'bert');
  const drop = dropout('dropout', c.classifierDropout, bertSites.classifier(c.numHiddenLayers));
  const head = bertLinear(c, 'classifier', c.hiddenSize, c.numLabels);
  return layer('', 'BertForSequenceClassification', { children: [bert, drop, head] }, (p, inputs, ctx) =>
    head.apply(p, drop.apply(p, bert.apply(p, inputs, ctx).pooled, ctx), ctx),
  );
};
