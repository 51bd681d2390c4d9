// The BERT classifier (bench/train-peers/bert.ts) in @tensorflow/tfjs ops, as graft's nn.bertClassifier computes it:
// word + position + token-type-0 embeddings, LayerNorm (biased variance, eps 1e-12), per layer multi-head attention
// (softmax(q kᵀ/√d) v), dense + residual + LayerNorm, exact GELU (erf), dense + residual + LayerNorm; the pooler
// (first token, dense, tanh) and the classifier. Activations are [batch·seq, hidden] between layers.
// The word embedding is a one-hot matmul: tf.gather's gradient is UnsortedSegmentSum, which tfjs-backend-wasm 4.22
// does not register.
import type * as TF from '@tensorflow/tfjs';
import type { Scalar, Tensor } from '@tensorflow/tfjs';
import type { BertBench } from './bert.js';
import { BERT_LN_EPS, bertLinears, bertNorms, bertPeerParams } from './bert.js';
import type { TfjsModel } from './tfjs-wasm.js';
import type { TrainSpec } from './types.js';
import { oneHot } from './types.js';

export const bertModel = (tf: typeof TF, spec: TrainSpec, c: BertBench): TfjsModel => {
  const [seq] = spec.sizes;
  const { batch } = spec;
  const h = c.hiddenSize;
  const heads = c.numAttentionHeads;
  const d = h / heads;
  const shapes: Record<string, number[]> = {
    'bert.embeddings.word_embeddings.weight': [c.vocabSize, h],
    'bert.embeddings.position_embeddings.weight': [c.maxPositionEmbeddings, h],
    'bert.embeddings.token_type_embeddings.weight': [2, h],
  };
  for (const n of bertNorms(c)) shapes[`${n}.weight`] = shapes[`${n}.bias`] = [h];
  for (const l of bertLinears(c)) (shapes[`${l.at}.weight`] = [l.inF, l.out]), (shapes[`${l.at}.bias`] = [l.out]);
  const v = Object.fromEntries(Object.entries(shapes).map(([k, s]) => [k, tf.variable(tf.zeros(s), true)]));

  const linear = (x: Tensor, at: string) => tf.add(tf.matMul(x, v[`${at}.weight`]), v[`${at}.bias`]);
  const norm = (x: Tensor, at: string) => {
    const centred = tf.sub(x, tf.mean(x, -1, true));
    const variance = tf.mean(tf.mul(centred, centred), -1, true);
    return tf.add(tf.mul(tf.mul(centred, tf.rsqrt(tf.add(variance, BERT_LN_EPS))), v[`${at}.weight`]), v[`${at}.bias`]);
  };
  const split = (x: Tensor) => tf.transpose(tf.reshape(x, [batch, seq, heads, d]), [0, 2, 1, 3]);
  const layer = (x: Tensor, n: number) => {
    const at = `bert.encoder.layer.${n}`;
    const [q, k, val] = ['query', 'key', 'value'].map((w) => split(linear(x, `${at}.attention.self.${w}`)));
    const probs = tf.softmax(tf.div(tf.matMul(q, k, false, true), Math.sqrt(d)), -1);
    const ctx = tf.reshape(tf.transpose(tf.matMul(probs, val), [0, 2, 1, 3]), [batch * seq, h]);
    const a = norm(tf.add(linear(ctx, `${at}.attention.output.dense`), x), `${at}.attention.output.LayerNorm`);
    const mid = linear(a, `${at}.intermediate.dense`);
    const gelu = tf.mul(tf.mul(mid, 0.5), tf.add(tf.erf(tf.mul(mid, Math.SQRT1_2)), 1));
    return norm(tf.add(linear(gelu, `${at}.output.dense`), a), `${at}.output.LayerNorm`);
  };

  return {
    vars: Object.values(v),
    lossOf: (ids, y) => () => {
      const words = tf.matMul(ids, v['bert.embeddings.word_embeddings.weight']);
      const positions = tf.slice(v['bert.embeddings.position_embeddings.weight'], [0, 0], [seq, h]);
      const types = tf.slice(v['bert.embeddings.token_type_embeddings.weight'], [0, 0], [1, h]);
      const emb = tf.reshape(tf.add(tf.add(tf.reshape(words, [batch, seq, h]), positions), types), [batch * seq, h]);
      let x = norm(emb, 'bert.embeddings.LayerNorm');
      for (let n = 0; n < c.numHiddenLayers; n++) x = layer(x, n);
      const first = tf.reshape(tf.slice(tf.reshape(x, [batch, seq, h]), [0, 0, 0], [batch, 1, h]), [batch, h]);
      const logits = linear(tf.tanh(linear(first, 'bert.pooler.dense')), 'classifier');
      return tf.losses.softmaxCrossEntropy(y, logits) as Scalar;
    },
    input: (b) => ({
      x: tf.tidy(() => tf.oneHot(tf.tensor1d(Int32Array.from(b.x), 'int32'), c.vocabSize).toFloat()),
      y: tf.tensor2d(oneHot(b.y, c.numLabels), [batch, c.numLabels]),
    }),
    reset: (params) => {
      for (const [k, p] of Object.entries(bertPeerParams(c, params))) tf.tidy(() => v[k].assign(tf.tensor(p.data, p.shape)));
    },
  };
};
