// Multi-head scaled dot-product attention (Vaswani et al. 2017), as BERT computes it.
import * as g from '../dsl/index.js';
import type { Tensor } from '../dsl/index.js';
import type { Ctx } from './layer.js';
import { softmax } from './softmax.js';
import { dropoutForward } from './dropout.js';

/** Added to the scores of masked keys: exp of it underflows to exactly 0 after the max is subtracted. */
export const MASKED = -1e9;

/**
 * An attention mask [batch, keys] (1 or true = attend, 0 = padding, as HF's attention_mask) as an
 * additive bias [batch, 1, 1, keys] over scores [batch, heads, queries, keys].
 */
export const attentionBias = (mask: Tensor): Tensor => {
  const m = mask.dtype === 'f32' ? mask : g.cast(mask, 'f32');
  const [batch, keys] = m.shape;
  return g.reshape(g.mul(g.sub(1, m), MASKED), [batch, 1, 1, keys]);
};

/** [batch, seq, heads·size] -> [batch, heads, seq, size]. */
export const splitHeads = (x: Tensor, heads: number): Tensor => {
  const [batch, seq, hidden] = x.shape;
  if (hidden % heads !== 0) throw new g.BuildError('shape-mismatch', 'splitHeads', `hidden size ${hidden} is not a multiple of ${heads} heads`);
  return g.transpose(g.reshape(x, [batch, seq, heads, hidden / heads]), [0, 2, 1, 3]);
};

/** [batch, heads, seq, size] -> [batch, seq, heads·size]. */
export const mergeHeads = (x: Tensor): Tensor => {
  const [batch, heads, seq, size] = x.shape;
  return g.reshape(g.transpose(x, [0, 2, 1, 3]), [batch, seq, heads * size]);
};

export interface AttentionOptions {
  /** Additive bias broadcast over the scores, e.g. attentionBias(mask). */
  readonly bias?: Tensor;
  /** Dropout on the attention probabilities (BERT: attention_probs_dropout_prob) at a dropout site. */
  readonly dropout?: { readonly p: number; readonly site: number; readonly ctx: Ctx };
}

/** softmax(q·kᵀ/√d + bias)·v over q, k, v [batch, heads, seq, d]. */
export const scaledDotProductAttention = (q: Tensor, k: Tensor, v: Tensor, options: AttentionOptions = {}): Tensor => {
  const d = q.shape[q.shape.length - 1];
  const scores = g.div(g.matmul(q, g.transpose(k, [0, 1, 3, 2])), Math.sqrt(d));
  const probs = softmax(options.bias ? g.add(scores, options.bias) : scores, -1);
  const dropped = options.dropout ? dropoutForward(probs, options.dropout.p, options.dropout.site, options.dropout.ctx) : probs;
  return g.matmul(dropped, v);
};
