// The BERT classifier (bench/train-peers/bert.ts) in @jax-js/jax ops, as graft's nn.bertClassifier computes it (see
// tfjs-wasm-bert.ts for the layer order). jax-js arrays move into the op that uses them, so an activation read twice
// is passed as `.ref` before its last use. The word embedding is a one-hot matmul: np.take's gradient (scatter) fails
// under jit in jax-js 0.x ("routine primitive scatter input is not imm").
import type * as JAX from '@jax-js/jax';
import type { BertBench } from './bert.js';
import { BERT_LN_EPS, bertPeerParams } from './bert.js';
import type { JaxModel, Tree } from './jax-js.js';
import type { TrainSpec } from './types.js';
import { oneHot } from './types.js';

type Arr = JAX.Array;

export const bertModel = (jax: typeof JAX, spec: TrainSpec, c: BertBench): JaxModel => {
  const { numpy: np, nn, lax } = jax;
  const [seq] = spec.sizes;
  const { batch } = spec;
  const h = c.hiddenSize;
  const heads = c.numAttentionHeads;
  const d = h / heads;

  const lossFn = (p: Tree, ids: Arr, y: Arr): Arr => {
    const linear = (x: Arr, at: string) => np.matmul(x, p[`${at}.weight`]).add(p[`${at}.bias`]);
    const norm = (x: Arr, at: string) => {
      const centred = x.ref.sub(x.mean(-1, { keepdims: true }));
      const variance = centred.ref.mul(centred.ref).mean(-1, { keepdims: true });
      return centred.mul(np.reciprocal(np.sqrt(variance.add(BERT_LN_EPS)))).mul(p[`${at}.weight`]).add(p[`${at}.bias`]);
    };
    const split = (x: Arr) => x.reshape([batch, seq, heads, d]).transpose([0, 2, 1, 3]);
    const layer = (x: Arr, n: number) => {
      const at = `bert.encoder.layer.${n}`;
      const [q, k, v] = ['query', 'key', 'value'].map((w) => split(linear(x.ref, `${at}.attention.self.${w}`)));
      const probs = nn.softmax(np.matmul(q, k.transpose([0, 1, 3, 2])).div(Math.sqrt(d)), -1);
      const ctx = np.matmul(probs, v).transpose([0, 2, 1, 3]).reshape([batch * seq, h]);
      const a = norm(linear(ctx, `${at}.attention.output.dense`).add(x), `${at}.attention.output.LayerNorm`);
      const mid = linear(a.ref, `${at}.intermediate.dense`);
      const gelu = mid.ref.mul(0.5).mul(lax.erf(mid.mul(Math.SQRT1_2)).add(1));
      return norm(linear(gelu, `${at}.output.dense`).add(a), `${at}.output.LayerNorm`);
    };
    const words = np.matmul(ids, p['bert.embeddings.word_embeddings.weight']).reshape([batch, seq, h]);
    const positions = p['bert.embeddings.position_embeddings.weight'].slice([0, seq], []);
    const types = p['bert.embeddings.token_type_embeddings.weight'].slice([0, 1], []);
    let x = norm(words.add(positions).add(types).reshape([batch * seq, h]), 'bert.embeddings.LayerNorm');
    for (let n = 0; n < c.numHiddenLayers; n++) x = layer(x, n);
    const first = x.reshape([batch, seq, h]).slice([], 0, []);
    const logits = linear(np.tanh(linear(first, 'bert.pooler.dense')), 'classifier');
    return nn.logSoftmax(logits).mul(y).sum().mul(-1 / batch);
  };

  return {
    lossFn,
    params: (params) => bertPeerParams(c, params),
    input: (b) => ({ x: np.array(oneHot(Int32Array.from(b.x), c.vocabSize), { shape: [batch * seq, c.vocabSize] }), y: np.array(oneHot(b.y, c.numLabels), { shape: [batch, c.numLabels] }) }),
  };
};
