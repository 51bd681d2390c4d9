// GPT-2 with Hugging Face's module tree and names (`transformer.wte.weight`, `transformer.h.0.attn.c_attn.weight`,
// …, `lm_head` tied to `wte`, `score.weight`): pre-LN blocks, causal self-attention, Conv1D weights stored
// [in, out] as OpenAI's, so a checkpoint's tensors map onto it by name.
import * as g from '../dsl/index.js';
import type { Tensor } from '../dsl/index.js';
import type { ParamTree } from '../optim/tree.js';
import { activation } from './activations.js';
import type { Ctx, Init, Layer } from './layer.js';
import { join, layer, moduleList, param } from './layer.js';
import { embedding } from './embedding.js';
import { layerNorm } from './layer-norm.js';
import { linear } from './linear.js';
import { dropout, dropoutForward } from './dropout.js';
import { MASKED, attentionBias, mergeHeads, splitHeads } from './attention.js';
import { softmax } from './softmax.js';
import type { Gpt2Config, ResolvedGpt2Config } from './gpt2-config.js';
import { gpt2Sites, resolveGpt2Config } from './gpt2-config.js';

export interface Gpt2Inputs {
  /** Token ids, i32 [batch, seq]. */
  readonly inputIds: Tensor;
  /** 1 = attend, 0 = padding, f32 [batch, seq]; default all 1. */
  readonly attentionMask?: Tensor;
}

/** OpenAI's Conv1D (HF keeps it): y = x·W + b with W stored [in, out]. */
const conv1d = (c: ResolvedGpt2Config, name: string, inF: number, outF: number): Layer => {
  const init: Init = { kind: 'normal', std: c.initializerRange };
  return layer(name, 'Conv1D', { own: [{ leaf: 'weight', shape: [inF, outF], init }, { leaf: 'bias', shape: [outF], init: { kind: 'zeros' } }] }, (p, x: Tensor) => {
    const lead = x.shape.slice(0, -1);
    const y = g.add(g.matmul(g.reshape(x, [-1, inF]), param(p, join(name, 'weight'), [inF, outF])), param(p, join(name, 'bias'), [outF]));
    return g.reshape(y, [...lead, outF]);
  });
};

/** 0 where key j <= query i, MASKED after: [1, 1, seq, seq]. */
const causalBias = (seq: number): Tensor =>
  g.constant(Array.from({ length: seq * seq }, (_, k) => (k % seq <= Math.floor(k / seq) ? 0 : MASKED)), [1, 1, seq, seq], 'f32');

interface BlockInput {
  readonly hidden: Tensor;
  readonly bias: Tensor;
}

const attention = (c: ResolvedGpt2Config, at: string, n: number): Layer<BlockInput> => {
  const h = c.hiddenSize;
  const cAttn = conv1d(c, join(at, 'c_attn'), h, 3 * h);
  const cProj = conv1d(c, join(at, 'c_proj'), h, h);
  const drop = dropout(join(at, 'resid_dropout'), c.residDropout, gpt2Sites.attentionOutput(n));
  return layer(at, 'GPT2Attention', { children: [cAttn, cProj, drop] }, (p, { hidden, bias }, ctx) => {
    const [batch, seq] = hidden.shape;
    const qkv = cAttn.apply(p, hidden, ctx);
    const part = (k: number) => splitHeads(g.slice(qkv, [0, 0, k * h], [batch, seq, (k + 1) * h]), c.numHeads);
    const [q, k, v] = [part(0), part(1), part(2)];
    const scores = g.add(g.div(g.matmul(q, g.transpose(k, [0, 1, 3, 2])), Math.sqrt(h / c.numHeads)), bias);
    const probs = dropoutForward(softmax(scores, -1), c.attnDropout, gpt2Sites.attentionProbs(n), ctx);
    return drop.apply(p, cProj.apply(p, mergeHeads(g.matmul(probs, v)), ctx), ctx);
  });
};

const mlp = (c: ResolvedGpt2Config, at: string, n: number): Layer => {
  const cFc = conv1d(c, join(at, 'c_fc'), c.hiddenSize, c.innerSize);
  const cProj = conv1d(c, join(at, 'c_proj'), c.innerSize, c.hiddenSize);
  const act = activation(c.activation);
  const drop = dropout(join(at, 'dropout'), c.residDropout, gpt2Sites.mlp(n));
  return layer(at, 'GPT2MLP', { children: [cFc, cProj, drop] }, (p, x: Tensor, ctx) => drop.apply(p, cProj.apply(p, act(cFc.apply(p, x, ctx)), ctx), ctx));
};

/** `h.<n>`: x + attn(ln_1(x)), then + mlp(ln_2(·)). */
const block = (c: ResolvedGpt2Config, at: string, n: number): Layer<BlockInput> => {
  const ln1 = layerNorm(join(at, 'ln_1'), c.hiddenSize, { eps: c.layerNormEps });
  const attn = attention(c, join(at, 'attn'), n);
  const ln2 = layerNorm(join(at, 'ln_2'), c.hiddenSize, { eps: c.layerNormEps });
  const ff = mlp(c, join(at, 'mlp'), n);
  return layer(at, 'GPT2Block', { children: [ln1, attn, ln2, ff] }, (p, { hidden, bias }, ctx) => {
    const a = g.add(hidden, attn.apply(p, { hidden: ln1.apply(p, hidden, ctx), bias }, ctx));
    return g.add(a, ff.apply(p, ln2.apply(p, a, ctx), ctx));
  });
};

/** GPT2Model under `at` ('' for a bare GPT2Model, 'transformer' inside the task models): ids -> hidden [batch, seq, hidden]. */
export const gpt2Model = (config: Gpt2Config, at = 'transformer'): Layer<Gpt2Inputs> => {
  const c = resolveGpt2Config(config);
  const init: Init = { kind: 'normal', std: c.initializerRange };
  const wte = embedding(join(at, 'wte'), c.vocabSize, c.hiddenSize, { init });
  const wpe = embedding(join(at, 'wpe'), c.maxPositions, c.hiddenSize, { init });
  const drop = dropout(join(at, 'drop'), c.embdDropout, gpt2Sites.embeddings);
  const blocks = Array.from({ length: c.numLayers }, (_, n) => block(c, join(at, 'h', n), n));
  const lnF = layerNorm(join(at, 'ln_f'), c.hiddenSize, { eps: c.layerNormEps });
  return layer(at, 'GPT2Model', { children: [wte, wpe, drop, moduleList(join(at, 'h'), blocks), lnF] }, (p, { inputIds, attentionMask }, ctx) => {
    const [, seq] = inputIds.shape;
    if (seq > c.maxPositions) throw new g.BuildError('shape-mismatch', 'gpt2Model', `sequence length ${seq} exceeds ${c.maxPositions} positions`);
    const positions = g.constant(Array.from({ length: seq }, (_, i) => i), [seq], 'i32');
    const x = drop.apply(p, g.add(wte.apply(p, inputIds, ctx), wpe.apply(p, positions, ctx)), ctx);
    const bias = attentionMask ? g.add(causalBias(seq), attentionBias(attentionMask)) : causalBias(seq);
    return lnF.apply(p, blocks.reduce((hdn, b) => b.apply(p, { hidden: hdn, bias }, ctx), x), ctx);
  });
};

/** GPT2LMHeadModel: logits over the vocabulary [batch, seq, vocab] from the hidden states times `wte` (tied). */
export const gpt2LMHead = (config: Gpt2Config): Layer<Gpt2Inputs> => {
  const c = resolveGpt2Config(config);
  const model = gpt2Model(c, 'transformer');
  return layer('', 'GPT2LMHeadModel', { children: [model] }, (p: ParamTree, inputs, ctx: Ctx) => {
    const hidden = model.apply(p, inputs, ctx);
    const [batch, seq] = inputs.inputIds.shape;
    const wte = param(p, 'transformer.wte.weight', [c.vocabSize, c.hiddenSize]);
    return g.reshape(g.matmul(g.reshape(hidden, [batch * seq, c.hiddenSize]), g.transpose(wte)), [batch, seq, c.vocabSize]);
  });
};

/** GPT2ForSequenceClassification: `score` (no bias) at the last token that is not padding: logits [batch, numLabels]. */
export const gpt2Classifier = (config: Gpt2Config): Layer<Gpt2Inputs> => {
  const c = resolveGpt2Config(config);
  const model = gpt2Model(c, 'transformer');
  const score = linear('score', c.hiddenSize, c.numLabels, { bias: false, weightInit: { kind: 'normal', std: c.initializerRange } });
  return layer('', 'GPT2ForSequenceClassification', { children: [model, score] }, (p, inputs, ctx) => {
    const hidden = model.apply(p, inputs, ctx);
    const [batch, seq] = inputs.inputIds.shape;
    const logits = score.apply(p, hidden, ctx);
    // HF: the largest position whose id is not the pad id (no pad id: the last position)
    const positions = g.constant(Array.from({ length: seq }, (_, i) => i), [1, seq], 'i32');
    const last = c.padTokenId === null
      ? g.constant(Array.from({ length: batch }, () => seq - 1), [batch], 'i32')
      : g.max(g.where(g.eq(inputs.inputIds, c.padTokenId), 0, g.add(g.mul(inputs.inputIds, 0), positions)), { axes: -1 });
    const pick = g.cast(g.eq(g.expandDims(last, -1), positions), 'f32');
    return g.sum(g.mul(g.reshape(logits, [batch, seq, c.numLabels]), g.expandDims(pick, -1)), { axes: 1 });
  });
};
