// One BERT encoder layer (post-LN, as in the original BERT): self-attention, then dense + dropout +
// residual + LayerNorm; feed-forward up (activation), down, dropout, residual, LayerNorm.
// Module and parameter names and classes are Hugging Face's BertLayer's, so checkpoints load by name.
import * as g from '../dsl/index.js';
import type { Tensor } from '../dsl/index.js';
import { activation } from './activations.js';
import type { Init, Layer } from './layer.js';
import { join, layer } from './layer.js';
import { linear } from './linear.js';
import { layerNorm } from './layer-norm.js';
import { dropout } from './dropout.js';
import { mergeHeads, scaledDotProductAttention, splitHeads } from './attention.js';
import type { ResolvedBertConfig } from './bert-config.js';
import { bertSites } from './bert-config.js';

/** Hidden states [batch, seq, hidden] and the additive attention bias [batch, 1, 1, seq] if any. */
export interface EncoderInput {
  readonly hidden: Tensor;
  readonly bias?: Tensor;
}

/** BERT's Linear: weight N(0, initializer_range), bias zeros. */
export const bertLinear = (c: ResolvedBertConfig, name: string, inF: number, outF: number): Layer => {
  const weightInit: Init = { kind: 'normal', std: c.initializerRange };
  return linear(name, inF, outF, { weightInit, biasInit: { kind: 'zeros' } });
};

/** dense -> dropout -> LayerNorm(· + residual): BertSelfOutput and BertOutput. */
const residualOutput = (c: ResolvedBertConfig, at: string, cls: string, inF: number, site: number): Layer<{ x: Tensor; residual: Tensor }> => {
  const dense = bertLinear(c, join(at, 'dense'), inF, c.hiddenSize);
  const norm = layerNorm(join(at, 'LayerNorm'), c.hiddenSize, { eps: c.layerNormEps });
  const drop = dropout(join(at, 'dropout'), c.hiddenDropoutProb, site);
  return layer(at, cls, { children: [dense, norm, drop] }, (p, { x, residual }, ctx) =>
    norm.apply(p, g.add(drop.apply(p, dense.apply(p, x, ctx), ctx), residual), ctx),
  );
};

const selfAttention = (c: ResolvedBertConfig, at: string, n: number): Layer<EncoderInput> => {
  const [query, key, value] = ['query', 'key', 'value'].map((q) => bertLinear(c, join(at, q), c.hiddenSize, c.hiddenSize));
  const probsDropout = dropout(join(at, 'dropout'), c.attentionProbsDropoutProb, bertSites.attentionProbs(n));
  return layer(at, 'BertSelfAttention', { children: [query, key, value, probsDropout] }, (p, { hidden, bias }, ctx) => {
    const heads = (l: Layer) => splitHeads(l.apply(p, hidden, ctx), c.numAttentionHeads);
    const dropoutSpec = { p: c.attentionProbsDropoutProb, site: bertSites.attentionProbs(n), ctx };
    return mergeHeads(scaledDotProductAttention(heads(query), heads(key), heads(value), { bias, dropout: dropoutSpec }));
  });
};

const attention = (c: ResolvedBertConfig, at: string, n: number): Layer<EncoderInput> => {
  const self = selfAttention(c, join(at, 'self'), n);
  const output = residualOutput(c, join(at, 'output'), 'BertSelfOutput', c.hiddenSize, bertSites.attentionOutput(n));
  return layer(at, 'BertAttention', { children: [self, output] }, (p, x, ctx) =>
    output.apply(p, { x: self.apply(p, x, ctx), residual: x.hidden }, ctx),
  );
};

/** HF's module classes for each activation. */
const ACT_CLASS = { gelu: 'GELUActivation', gelu_tanh: 'PytorchGELUTanh', relu: 'ReLU' } as const;

const intermediate = (c: ResolvedBertConfig, at: string): Layer => {
  const dense = bertLinear(c, join(at, 'dense'), c.hiddenSize, c.intermediateSize);
  const act = activation(c.hiddenAct);
  const actModule = layer(join(at, 'intermediate_act_fn'), ACT_CLASS[c.hiddenAct], {}, (_, x: Tensor) => act(x));
  return layer(at, 'BertIntermediate', { children: [dense, actModule] }, (p, x, ctx) => actModule.apply(p, dense.apply(p, x, ctx), ctx));
};

/** `bert.encoder.layer.<n>`: hidden [batch, seq, hidden] -> [batch, seq, hidden]. */
export const bertLayer = (c: ResolvedBertConfig, at: string, n: number): Layer<EncoderInput> => {
  const att = attention(c, join(at, 'attention'), n);
  const mid = intermediate(c, join(at, 'intermediate'));
  const out = residualOutput(c, join(at, 'output'), 'BertOutput', c.intermediateSize, bertSites.output(n));
  return layer(at, 'BertLayer', { children: [att, mid, out] }, (p, x, ctx) => {
    const a = att.apply(p, x, ctx);
    return out.apply(p, { x: mid.apply(p, a, ctx), residual: a }, ctx);
  });
};
