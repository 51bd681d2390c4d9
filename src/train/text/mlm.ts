// Masked-language modelling as BERT pre-trains (Devlin et al. 2019; transformers' DataCollatorForLanguageModeling):
// 15% of the real, non-special tokens are chosen; of those 80% become [MASK], 10% a random token, 10% stay; the
// loss is cross-entropy at the chosen positions only (label -1 elsewhere). Masks are drawn afresh every epoch from
// the counter generator keyed by seed, epoch, example and position: the same on every machine.
import { uniformAt } from '../../dsl/counter-hash.js';
import { randomKey } from '../../dsl/index.js';
import type { Shape } from '../../dsl/index.js';
import type { Layer } from '../../nn/index.js';
import * as g from '../../dsl/index.js';
import { accuracy, crossEntropy, trainCtx } from '../../nn/index.js';
import type { Objective } from '../../optim/step.js';
import { maskedTokenRows } from '../classifier-objective.js';

export interface MlmMasking {
  readonly maskId: number;
  readonly vocabSize: number;
  /** Ids never chosen ([CLS], [SEP], [PAD], …). */
  readonly specialIds: ReadonlySet<number>;
  /** Default 0.15. */
  readonly probability?: number;
}

/** The stream the masks are drawn from, after the shuffles' (epoch numbers) and the batch orders'. */
const MLM_STREAM = 2 ** 21;

/**
 * Rows [count, 3, seq] (ids, attention mask, types) of the examples `rows` of `inputs`, cut to `length`, with tokens
 * masked, and the labels [count, length]: the original id where a token was chosen, else -1.
 */
export const maskBatch = (inputs: Float32Array, seq: number, rows: ArrayLike<number>, length: number, m: MlmMasking, seed: number, epoch: number): { x: Float32Array; y: Float32Array } => {
  const p = m.probability ?? 0.15;
  const key = randomKey(seed, (MLM_STREAM + epoch) % 2 ** 24);
  const x = new Float32Array(rows.length * 3 * length);
  const y = new Float32Array(rows.length * length).fill(-1);
  for (let k = 0; k < rows.length; k++) {
    const from = rows[k] * 3 * seq;
    for (let c = 0; c < 3; c++) x.set(inputs.subarray(from + c * seq, from + c * seq + length), (3 * k + c) * length);
    for (let t = 0; t < length; t++) {
      const id = x[3 * k * length + t];
      if (x[(3 * k + 1) * length + t] === 0 || m.specialIds.has(id)) continue;
      // three draws per (example, position): chosen?, which replacement, which random token
      const at = (rows[k] * seq + t) * 3;
      if (uniformAt(key, at) >= p) continue;
      y[k * length + t] = id;
      const u = uniformAt(key, at + 1);
      if (u < 0.8) x[3 * k * length + t] = m.maskId;
      else if (u < 0.9) x[3 * k * length + t] = Math.floor(uniformAt(key, at + 2) * m.vocabSize);
    }
  }
  return { x, y };
};

/** The MLM training objective over token rows [batch, 3, seq] and labels [batch, seq]; accuracy over chosen positions. */
export const mlmObjective = (model: Layer<any>, batch: number, features: Shape, frozen: Readonly<Record<string, Shape>> = {}): Objective => {
  const seq = features[features.length - 1];
  return {
    inputs: { x: { shape: [batch, ...features], dtype: 'i32' }, y: { shape: [batch, seq], dtype: 'i32' }, key: { shape: [], dtype: 'i32' } },
    frozen,
    build: (params, inputs) => {
      const logits = model.apply(params, maskedTokenRows.adapt(inputs.x), trainCtx(inputs.key)) as g.Tensor;
      const flat = g.reshape(logits, [batch * seq, logits.shape[2]]);
      const labels = g.reshape(inputs.y, [batch * seq]);
      return { loss: crossEntropy(flat, labels), metrics: { accuracy: accuracy(flat, labels) } };
    },
  };
};
