// A Hugging Face BertConfig (config.json) read into graft's BertConfig and written back. Fields that would change
// the computation in a way graft does not follow are problems; fields graft has no use for are listed, not hidden.
import * as E from 'fp-ts/lib/Either.js';
import type { BertConfig, ResolvedBertConfig } from '../../nn/index.js';
import { resolveBertConfig } from '../../nn/index.js';
import type { Problem } from '../checkpoint/problem.js';
import { problemAt } from '../checkpoint/problem.js';
import { show } from '../checkpoint/decode-errors.js';
import type { FixedFields } from './config-fields.js';
import { checkFixed, int, isRecord, nonNegative, orNull, positive, prob, readNumeric } from './config-fields.js';

export interface HfBertConfig {
  readonly config: ResolvedBertConfig;
  /** id2label in id order (HF's LABEL_i when the file has none). */
  readonly labels: readonly string[];
  /** Fields present in the file that graft does not read (HF keeps them as attributes). */
  readonly ignored: readonly string[];
}


/** HF name -> graft name, the check and what it expects, and BertConfig's default (transformers' BertConfig.__init__). */
const NUMERIC = {
  vocab_size: ['vocabSize', int(1), 'an integer >= 1', 30522],
  hidden_size: ['hiddenSize', int(1), 'an integer >= 1', 768],
  num_hidden_layers: ['numHiddenLayers', int(0), 'an integer >= 0', 12],
  num_attention_heads: ['numAttentionHeads', int(1), 'an integer >= 1', 12],
  intermediate_size: ['intermediateSize', int(1), 'an integer >= 1', 3072],
  max_position_embeddings: ['maxPositionEmbeddings', int(1), 'an integer >= 1', 512],
  type_vocab_size: ['typeVocabSize', int(0), 'an integer >= 0', 2],
  hidden_dropout_prob: ['hiddenDropoutProb', prob, 'a probability in [0, 1)', 0.1],
  attention_probs_dropout_prob: ['attentionProbsDropoutProb', prob, 'a probability in [0, 1)', 0.1],
  classifier_dropout: ['classifierDropout', orNull(prob), 'null or a probability in [0, 1)', null],
  layer_norm_eps: ['layerNormEps', positive, 'a number > 0', 1e-12],
  initializer_range: ['initializerRange', nonNegative, 'a number >= 0', 0.02],
  pad_token_id: ['padTokenId', orNull(int(0)), 'null or an integer >= 0', 0],
} as const;

/** HF activation names (transformers' ACT2FN) graft computes; gelu_new and gelu_pytorch_tanh are the same tanh form. */
const ACTIVATIONS: Readonly<Record<string, NonNullable<BertConfig['hiddenAct']>>> = { gelu: 'gelu', gelu_new: 'gelu_tanh', gelu_pytorch_tanh: 'gelu_tanh', relu: 'relu' };
const ACTIVATION_NAMES: Readonly<Record<NonNullable<BertConfig['hiddenAct']>, string>> = { gelu: 'gelu', gelu_tanh: 'gelu_new', relu: 'relu' };

/** Fields whose only values graft computes are these (a different value changes the model). */
const FIXED: FixedFields = {
  model_type: { ok: (v) => v === 'bert', want: "'bert' (graft reads BERT checkpoints)" },
  position_embedding_type: { ok: (v) => v === 'absolute', want: "'absolute' (graft has no relative position embeddings)" },
  is_decoder: { ok: (v) => v === false, want: 'false (graft\'s BERT is an encoder: no causal mask)' },
  add_cross_attention: { ok: (v) => v === false, want: 'false (graft\'s BERT has no cross-attention)' },
  is_encoder_decoder: { ok: (v) => v === false, want: 'false' },
  pruned_heads: { ok: (v) => typeof v === 'object' && v !== null && Object.keys(v).length === 0, want: '{} (graft does not prune attention heads)' },
  problem_type: { ok: (v) => v === null || v === 'single_label_classification', want: "null or 'single_label_classification' (graft trains with softmax cross-entropy)" },
};

/** Read by graft elsewhere, or with no effect on the weights or the forward pass. */
const INERT = new Set([
  'architectures', 'transformers_version', '_name_or_path', 'torch_dtype', 'dtype', 'use_cache', 'gradient_checkpointing',
  'return_dict', 'output_hidden_states', 'output_attentions', 'torchscript', 'use_bfloat16', 'tie_word_embeddings',
  'chunk_size_feed_forward', 'bos_token_id', 'eos_token_id', 'sep_token_id', 'decoder_start_token_id', 'tokenizer_class',
  'finetuning_task', 'prefix', 'task_specific_params', 'tf_legacy_loss', 'cross_attention_hidden_size', 'tie_encoder_decoder',
  'label2id', 'id2label', 'num_labels', 'hidden_act', '_attn_implementation', '_attn_implementation_autoset',
]);

/** id2label (keys 0…n-1) and num_labels, checked against each other; HF's default is two labels. */
const labelsOf = (raw: Record<string, unknown>): E.Either<Problem[], string[]> => {
  const { id2label, num_labels: n } = raw;
  const problems: Problem[] = [];
  if (n !== undefined && !int(1)(n)) problems.push(problemAt(['num_labels'], `expected an integer >= 1, got ${show(n)}`));
  if (id2label === undefined) return problems.length ? E.left(problems) : E.right(Array.from({ length: (n as number | undefined) ?? 2 }, (_, i) => `LABEL_${i}`));
  if (!isRecord(id2label) || Object.keys(id2label).length === 0) return E.left([...problems, problemAt(['id2label'], `expected an object of label names by id "0", "1", …, got ${show(id2label)}`)]);
  const count = Object.keys(id2label).length;
  const labels = Array.from({ length: count }, (_, i) => id2label[String(i)]);
  labels.forEach((l, i) => {
    if (typeof l !== 'string') problems.push(problemAt(['id2label', String(i)], l === undefined ? `missing: ids run 0…${count - 1}` : `expected a label name, got ${show(l)}`));
  });
  if (n !== undefined && int(1)(n) && n !== count) problems.push(problemAt(['num_labels'], `${n}, but id2label names ${count} labels`));
  return problems.length ? E.left(problems) : E.right(labels as string[]);
};

/** config.json's object as graft's BERT config; every problem at once, each with its field. */
export const decodeHfBertConfig = (raw: unknown): E.Either<Problem[], HfBertConfig> => {
  if (!isRecord(raw)) return E.left([problemAt([], `expected a JSON object (a transformers BertConfig), got ${show(raw)}`)]);
  const problems: Problem[] = [];
  const values = readNumeric(raw, NUMERIC, problems);
  const act = raw.hidden_act ?? 'gelu';
  if (typeof act === 'string' && act in ACTIVATIONS) values.hiddenAct = ACTIVATIONS[act];
  else problems.push(problemAt(['hidden_act'], `${show(act)} is not an activation graft computes (${Object.keys(ACTIVATIONS).join(', ')})`));
  checkFixed(raw, FIXED, problems);
  const labels = labelsOf(raw);
  if (E.isLeft(labels)) problems.push(...labels.left);
  if (values.hiddenSize !== undefined && values.numAttentionHeads !== undefined && (values.hiddenSize as number) % (values.numAttentionHeads as number) !== 0) {
    problems.push(problemAt(['num_attention_heads'], `${values.numAttentionHeads} heads do not divide hidden_size ${values.hiddenSize}`));
  }
  if (typeof values.padTokenId === 'number' && typeof values.vocabSize === 'number' && values.padTokenId >= values.vocabSize) {
    problems.push(problemAt(['pad_token_id'], `${values.padTokenId} is not a row of the ${values.vocabSize}-word vocabulary`));
  }
  if (problems.length || E.isLeft(labels)) return E.left(problems);
  const { classifierDropout, ...rest } = values;
  const config = resolveBertConfig({ ...(rest as unknown as BertConfig), ...(classifierDropout === null ? {} : { classifierDropout: classifierDropout as number }), numLabels: labels.right.length });
  const ignored = Object.keys(raw).filter((k) => !(k in NUMERIC) && !(k in FIXED) && !INERT.has(k));
  return E.right({ config, labels: labels.right, ignored });
};

/** The config.json transformers writes for this model (BertForSequenceClassification, f32). */
export const hfBertConfigJson = (c: ResolvedBertConfig, labels: readonly string[]): Record<string, unknown> => {
  if (labels.length !== c.numLabels) throw new RangeError(`${labels.length} label names for ${c.numLabels} labels`);
  const fields = Object.fromEntries(Object.entries(NUMERIC).map(([hf, [key]]) => [hf, c[key]]));
  return {
    architectures: ['BertForSequenceClassification'],
    model_type: 'bert',
    ...fields,
    // graft resolves a missing classifier dropout to hidden_dropout_prob, which is what HF's null means
    classifier_dropout: c.classifierDropout,
    hidden_act: ACTIVATION_NAMES[c.hiddenAct],
    position_embedding_type: 'absolute',
    id2label: Object.fromEntries(labels.map((l, i) => [String(i), l])),
    label2id: Object.fromEntries(labels.map((l, i) => [l, i])),
    torch_dtype: 'float32',
  };
};
