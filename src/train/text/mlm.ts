// Masked-language modelling as BERT pre-trains (Devlin et al. 2019; transformers' DataCollatorForLanguageModeling):
// 15% of the real, non-special tokens are chosen; of those 80% become [MASK], 10% a random token, 10% stay; the
// loss is cross-entropy at the chosen positions only (label -1 elsewhere). Masks are drawn afresh every epoch from
// the counter generator keyed by seed, epoch, example and position: the same on every machine.
import { uniformAt } from '../../dsl/counter-hash.js';
import { randomKey } from '../../dsl/index.js';
import type { Shape } from '../../dsl/index.js';
import type { BertInputs, Layer } from '../../nn/index.js';
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

/**
 * Rows of logits an MLM step computes for `batch` rows of `length` tokens: the expected number of chosen tokens plus
 * six standard deviations (binomial over every position; padding and specials only lower it), rounded up to 8.
 * maskBatch chooses no more, so a batch overflows with probability under 1e-9 and then leaves the rest unchosen.
 */
export const mlmCapacity = (batch: number, length: number, probability = 0.15): number => {
  const n = batch * length;
  const k = Math.ceil(n * probability + 6 * Math.sqrt(n * probability * (1 - probability)));
  return Math.min(n, Math.ceil(Math.max(1, k) / 8) * 8);
};

/** The stream the masks are drawn from, after the shuffles' (epoch numbers) and the batch orders'. */
const MLM_STREAM = 2 ** 21;

/**
 * Rows [count, 3, seq] (ids, attention mask, types) of the examples `rows` of `inputs`, cut to `length`, with tokens
 * masked, and the labels [count, length]: the original id where a token was chosen, else -1. At most `capacity`
 * tokens are chosen (the first in row order): the rows of logits the objective computes.
 */
export const maskBatch = (inputs: Float32Array, seq: number, rows: ArrayLike<number>, length: number, m: MlmMasking, seed: number, epoch: number, capacity = Infinity): { x: Float32Array; y: Float32Array } => {
  const p = m.probability ?? 0.15;
  let chosen = 0;
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
      if (uniformAt(key, at) >= p || chosen === capacity) continue;
      chosen++;
      y[k * length + t] = id;
      const u = uniformAt(key, at + 1);
      if (u < 0.8) x[3 * k * length + t] = m.maskId;
      else if (u < 0.9) x[3 * k * length + t] = Math.floor(uniformAt(key, at + 2) * m.vocabSize);
    }
  }
  return { x, y };
};

/**
 * Labels [count, length] as the objective's targets [2, capacity]: the flat positions of the chosen tokens, then their
 * labels; unused slots point at position 0 with label -1 (they add nothing to the loss).
 */
export const maskedTargets = (y: Float32Array, capacity: number): Float32Array => {
  const out = new Float32Array(2 * capacity);
  out.fill(-1, capacity);
  let k = 0;
  for (let p = 0; p < y.length; p++) {
    if (y[p] < 0) continue;
    if (k === capacity) throw new Error(`maskedTargets: more than ${capacity} chosen tokens (maskBatch's capacity bounds them)`);
    out[k] = p;
    out[capacity + k++] = y[p];
  }
  return out;
};

/**
 * The MLM training objective over token rows [batch, 3, seq] and targets [2, capacity] (maskedTargets): the model's
 * logits only at the chosen positions (a model taking `maskedPositions`, as bertForMaskedLM), so the loss and accuracy
 * are those over every position with the others labelled -1, at a fraction of the vocabulary projection.
 */
export const mlmObjective = (model: Layer<any>, batch: number, features: Shape, frozen: Readonly<Record<string, Shape>> = {}, probability = 0.15): Objective => {
  const capacity = mlmCapacity(batch, features[features.length - 1], probability);
  return {
    inputs: { x: { shape: [batch, ...features], dtype: 'i32' }, y: { shape: [2, capacity], dtype: 'i32' }, key: { shape: [], dtype: 'i32' } },
    frozen,
    build: (params, inputs) => {
      const at = (r: number) => g.reshape(g.slice(inputs.y, [r, 0], [r + 1, capacity]), [capacity]);
      const logits = model.apply(params, { ...(maskedTokenRows.adapt(inputs.x) as BertInputs), maskedPositions: at(0) }, trainCtx(inputs.key)) as g.Tensor;
      const labels = at(1);
      return { loss: crossEntropy(logits, labels), metrics: { accuracy: accuracy(logits, labels) } };
    },
  };
};
