// BertForMaskedLM: the encoder without a pooler, then `cls.predictions`: dense + activation + LayerNorm and a
// decoder tied to the word embeddings (its weight is `bert.embeddings.word_embeddings.weight`) plus its own bias,
// under Hugging Face's names, so a pre-trained checkpoint saves and loads as transformers' does.
import * as g from '../dsl/index.js';
import { activation } from './activations.js';
import type { Layer } from './layer.js';
import { join, layer, param } from './layer.js';
import { layerNorm } from './layer-norm.js';
import { linearForward } from './linear.js';
import type { BertInputs } from './bert.js';
import { bertEncoderModel } from './bert.js';
import type { BertConfig } from './bert-config.js';
import { resolveBertConfig } from './bert-config.js';
import { bertLinear } from './bert-layer.js';

/** The name the tied decoder reads its weight from. */
export const WORD_EMBEDDINGS = 'bert.embeddings.word_embeddings.weight';

export interface MaskedLmInputs extends BertInputs {
  /** Flat positions (row * seq + token), i32 [k]: the logits only there, [k, vocab], the vocabulary projection's cost cut to k rows. */
  readonly maskedPositions?: g.Tensor;
}

/** inputs -> logits over the vocabulary [batch, seq, vocab], or [k, vocab] at `maskedPositions`. */
export const bertForMaskedLM = (config: BertConfig): Layer<MaskedLmInputs> => {
  const c = resolveBertConfig(config);
  const bert = bertEncoderModel(c, 'bert');
  const at = 'cls.predictions';
  const dense = bertLinear(c, join(at, 'transform', 'dense'), c.hiddenSize, c.hiddenSize);
  const act = activation(c.hiddenAct);
  const norm = layerNorm(join(at, 'transform', 'LayerNorm'), c.hiddenSize, { eps: c.layerNormEps });
  const transform = layer(join(at, 'transform'), 'BertPredictionHeadTransform', { children: [dense, norm] }, (p, x: g.Tensor, ctx) => norm.apply(p, act(dense.apply(p, x, ctx)), ctx));
  const head = layer(at, 'BertLMPredictionHead', { own: [{ leaf: 'bias', shape: [c.vocabSize], init: { kind: 'zeros' } }], children: [transform] }, (p, x: g.Tensor, ctx) =>
    linearForward(transform.apply(p, x, ctx), param(p, WORD_EMBEDDINGS, [c.vocabSize, c.hiddenSize]), param(p, join(at, 'bias'), [c.vocabSize])),
  );
  const cls = layer('cls', 'BertOnlyMLMHead', { children: [head] }, (p, x: g.Tensor, ctx) => head.apply(p, x, ctx));
  return layer('', 'BertForMaskedLM', { children: [bert, cls] }, (p, inputs, ctx) => {
    const sequence = bert.apply(p, inputs, ctx);
    if (!inputs.maskedPositions) return cls.apply(p, sequence, ctx);
    const [batch, seq, hidden] = sequence.shape;
    return cls.apply(p, g.gather(g.reshape(sequence, [batch * seq, hidden]), inputs.maskedPositions, 0), ctx);
  });
};
