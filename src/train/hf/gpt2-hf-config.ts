// A Hugging Face GPT2Config (config.json) read into graft's Gpt2Config and written back; fields that would change
// the computation in a way graft does not follow are problems, all at once, each with its field.
import * as E from 'fp-ts/lib/Either.js';
import type { Gpt2Config, ResolvedGpt2Config } from '../../nn/index.js';
import { resolveGpt2Config } from '../../nn/index.js';
import type { Problem } from '../checkpoint/problem.js';
import { problemAt } from '../checkpoint/problem.js';
import { show } from '../checkpoint/decode-errors.js';
import type { FixedFields } from './config-fields.js';
import { checkFixed, int, isRecord, orNull, positive, prob, readNumeric } from './config-fields.js';

export interface HfGpt2Config {
  readonly config: ResolvedGpt2Config;
  readonly labels: readonly string[];
  readonly ignored: readonly string[];
}


/** HF name -> graft name, check, what it expects, GPT2Config's default. */
const NUMERIC = {
  vocab_size: ['vocabSize', int(1), 'an integer >= 1', 50257],
  n_positions: ['maxPositions', int(1), 'an integer >= 1', 1024],
  n_embd: ['hiddenSize', int(1), 'an integer >= 1', 768],
  n_layer: ['numLayers', int(0), 'an integer >= 0', 12],
  n_head: ['numHeads', int(1), 'an integer >= 1', 12],
  n_inner: ['innerSize', orNull(int(1)), 'null or an integer >= 1', null],
  resid_pdrop: ['residDropout', prob, 'a probability in [0, 1)', 0.1],
  embd_pdrop: ['embdDropout', prob, 'a probability in [0, 1)', 0.1],
  attn_pdrop: ['attnDropout', prob, 'a probability in [0, 1)', 0.1],
  layer_norm_epsilon: ['layerNormEps', positive, 'a number > 0', 1e-5],
  initializer_range: ['initializerRange', (v: unknown) => typeof v === 'number' && v >= 0, 'a number >= 0', 0.02],
  pad_token_id: ['padTokenId', orNull(int(0)), 'null or an integer >= 0', null],
} as const;

const ACTIVATIONS: Readonly<Record<string, NonNullable<Gpt2Config['activation']>>> = { gelu_new: 'gelu_tanh', gelu_pytorch_tanh: 'gelu_tanh', gelu: 'gelu', relu: 'relu' };

const FIXED: FixedFields = {
  model_type: { ok: (v) => v === 'gpt2', want: "'gpt2'" },
  scale_attn_weights: { ok: (v) => v === true, want: 'true (graft scales scores by 1/sqrt(head size))' },
  scale_attn_by_inverse_layer_idx: { ok: (v) => v === false, want: 'false' },
  add_cross_attention: { ok: (v) => v === false, want: 'false (graft\'s GPT-2 has no cross-attention)' },
  tie_word_embeddings: { ok: (v) => v === true, want: 'true (graft ties the LM head to wte)' },
  problem_type: { ok: (v) => v === null || v === 'single_label_classification', want: "null or 'single_label_classification'" },
};

/** Read elsewhere, or with no effect on the weights or the forward pass. */
const INERT = new Set(['architectures', 'transformers_version', 'torch_dtype', 'dtype', 'bos_token_id', 'eos_token_id', 'use_cache', 'reorder_and_upcast_attn', 'summary_type', 'summary_use_proj', 'summary_activation', 'summary_proj_to_labels', 'summary_first_dropout', 'task_specific_params', 'n_ctx', 'label2id', 'id2label', 'num_labels', 'activation_function', 'output_attentions', 'output_hidden_states', 'return_dict', '_name_or_path']);

const labelsOf = (raw: Record<string, unknown>, problems: Problem[]): string[] => {
  const id2label = raw.id2label;
  if (isRecord(id2label) && Object.keys(id2label).length) {
    const labels = Array.from({ length: Object.keys(id2label).length }, (_, i) => id2label[String(i)]);
    labels.forEach((l, i) => typeof l === 'string' || problems.push(problemAt(['id2label', String(i)], `expected a label name, got ${show(l)}`)));
    return labels as string[];
  }
  const n = raw.num_labels ?? 2;
  if (!int(1)(n)) problems.push(problemAt(['num_labels'], `expected an integer >= 1, got ${show(n)}`));
  return Array.from({ length: int(1)(n) ? (n as number) : 2 }, (_, i) => `LABEL_${i}`);
};

export const decodeHfGpt2Config = (raw: unknown): E.Either<Problem[], HfGpt2Config> => {
  if (!isRecord(raw)) return E.left([problemAt([], `expected a JSON object (a transformers GPT2Config), got ${show(raw)}`)]);
  const problems: Problem[] = [];
  const values = readNumeric(raw, NUMERIC, problems);
  const act = raw.activation_function ?? 'gelu_new';
  if (typeof act === 'string' && act in ACTIVATIONS) values.activation = ACTIVATIONS[act];
  else problems.push(problemAt(['activation_function'], `${show(act)} is not an activation graft computes (${Object.keys(ACTIVATIONS).join(', ')})`));
  checkFixed(raw, FIXED, problems);
  const labels = labelsOf(raw, problems);
  if (typeof values.hiddenSize === 'number' && typeof values.numHeads === 'number' && values.hiddenSize % values.numHeads !== 0) problems.push(problemAt(['n_head'], `${values.numHeads} heads do not divide n_embd ${values.hiddenSize}`));
  if (problems.length) return E.left(problems);
  const { innerSize, ...rest } = values;
  const config = resolveGpt2Config({ ...(rest as unknown as Gpt2Config), ...(innerSize === null ? {} : { innerSize: innerSize as number }), numLabels: labels.length });
  return E.right({ config, labels, ignored: Object.keys(raw).filter((k) => !(k in NUMERIC) && !(k in FIXED) && !INERT.has(k)) });
};

/** The config.json transformers writes for this model (f32). */
export const hfGpt2ConfigJson = (c: ResolvedGpt2Config, labels: readonly string[], architecture: 'GPT2LMHeadModel' | 'GPT2ForSequenceClassification'): Record<string, unknown> => ({
  architectures: [architecture],
  model_type: 'gpt2',
  ...Object.fromEntries(Object.entries(NUMERIC).map(([hf, [key]]) => [hf, c[key]])),
  activation_function: c.activation === 'gelu_tanh' ? 'gelu_new' : c.activation,
  scale_attn_weights: true,
  tie_word_embeddings: true,
  id2label: Object.fromEntries(labels.map((l, i) => [String(i), l])),
  label2id: Object.fromEntries(labels.map((l, i) => [l, i])),
  torch_dtype: 'float32',
});
