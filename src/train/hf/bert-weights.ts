// Checkpoint tensors onto graft's BertForSequenceClassification parameters, by name, as from_pretrained matches
// them: a bare BertModel's names gain the `bert.` prefix, old LayerNorm gamma/beta names are renamed, buffers are
// skipped; missing, unexpected and mis-shaped tensors are reported together.
import * as E from 'fp-ts/lib/Either.js';
import type { Structure } from '../../nn/index.js';
import type { CheckpointProblem } from '../checkpoint/index.js';
import { inFile, problemAt } from '../checkpoint/problem.js';
import type { HfTensor, HfWeights } from './hf-weights.js';
import { FLOAT_DTYPES, isFloatDtype, widenToF32 } from './half-floats.js';

export const BASE_PREFIX = 'bert.';

/** Modules a task model adds on top of the encoder: transformers initialises them afresh when a checkpoint lacks them. */
export const HEAD_PREFIXES = ['bert.pooler.', 'classifier.'] as const;

/** How a model family's checkpoint names map onto graft's. */
export interface HfNaming {
  /** The base model's prefix inside task models (`bert.`, `transformer.`); a bare base model's names lack it. */
  readonly basePrefix: string;
  /** A name of a bare base model (no prefix). */
  readonly bareName: RegExp;
  /** Parameters transformers initialises afresh when a checkpoint lacks them. */
  readonly heads: readonly string[];
  /** Registered buffers some versions save: derived from the config, never trained. */
  readonly buffer: RegExp;
  /** Old spellings (TF-era LayerNorm gamma/beta). */
  readonly rename?: (name: string) => string;
}

export const BERT_NAMING: HfNaming = {
  basePrefix: BASE_PREFIX,
  bareName: /^(embeddings|encoder|pooler)\./,
  heads: HEAD_PREFIXES,
  buffer: /(^|\.)embeddings\.(position_ids|token_type_ids)$/,
  rename: (name) => name.replace(/\.gamma$/, '.weight').replace(/\.beta$/, '.bias'),
};

export interface MatchedWeights {
  readonly params: Record<string, Float32Array>;
  /** Head parameters the checkpoint lacks (or whose labels were replaced): the caller initialises them. */
  readonly fresh: readonly string[];
  /** Checkpoint tensors of other task heads (e.g. `cls.predictions.*`), not used, as from_pretrained warns. */
  readonly unused: readonly string[];
}

const show = (s: readonly number[]): string => `[${s.join(', ')}]`;

/**
 * Each parameter of `model` from `weights`. `replace` names head parameters to start afresh even when present
 * (a classifier for other labels). Missing encoder tensors, unexpected tensors inside the encoder, shape and dtype
 * mismatches are problems, all at once.
 */
export const matchBertWeights = (model: Structure, weights: HfWeights, replace: ReadonlySet<string> = new Set()): E.Either<CheckpointProblem[], MatchedWeights> =>
  matchHfWeights(model, weights, BERT_NAMING, replace);

/** matchBertWeights for any family's naming. */
export const matchHfWeights = (model: Structure, weights: HfWeights, naming: HfNaming, replace: ReadonlySet<string> = new Set()): E.Either<CheckpointProblem[], MatchedWeights> => {
  const BASE_PREFIX = naming.basePrefix;
  const isHead = (name: string): boolean => naming.heads.some((p) => name.startsWith(p));
  const isBuffer = (name: string): boolean => naming.buffer.test(name);
  const graftName = (name: string, bare: boolean): string => {
    const renamed = naming.rename ? naming.rename(name) : name;
    return bare ? BASE_PREFIX + renamed : renamed;
  };
  const names = [...weights.tensors.keys()];
  const bare = !names.some((n) => n.startsWith(BASE_PREFIX)) && names.some((n) => naming.bareName.test(n));
  const byGraftName = new Map<string, [string, HfTensor]>();
  const problems: CheckpointProblem[] = [];
  for (const [n, t] of weights.tensors) {
    if (isBuffer(n)) continue;
    const g = graftName(n, bare);
    const earlier = byGraftName.get(g);
    if (earlier) problems.push(inFile(t.file)(problemAt(['header', n], `'${n}' and '${earlier[0]}' both name parameter '${g}'`)));
    else byGraftName.set(g, [n, t]);
  }
  const params: Record<string, Float32Array> = {};
  const fresh: string[] = [];
  const wanted = new Set(model.params.map((p) => p.name));
  for (const p of model.params) {
    const found = byGraftName.get(p.name);
    if (replace.has(p.name) || (!found && isHead(p.name))) {
      fresh.push(p.name);
      continue;
    }
    if (!found) {
      problems.push(inFile(weights.file)(problemAt(['header', bare ? p.name.slice(BASE_PREFIX.length) : p.name], `missing: the model's parameter '${p.name}' ${show(p.shape)} has no tensor`)));
      continue;
    }
    const [n, t] = found;
    const at = inFile(t.file);
    const sameShape = t.shape.length === p.shape.length && t.shape.every((d, k) => d === p.shape[k]);
    if (!sameShape) problems.push(at(problemAt(['header', n, 'shape'], `${show(t.shape)}, but the model's parameter '${p.name}' is ${show(p.shape)} (from config.json)`)));
    if (!isFloatDtype(t.dtype)) problems.push(at(problemAt(['header', n, 'dtype'], `${t.dtype}: graft reads weights in ${FLOAT_DTYPES.join(', ')}`)));
    else if (sameShape) params[p.name] = widenToF32(t.dtype, t.data);
  }
  const unused: string[] = [];
  for (const [g, [n, t]] of byGraftName) {
    if (wanted.has(g)) continue;
    if (g.startsWith(BASE_PREFIX)) problems.push(inFile(t.file)(problemAt(['header', n], `unexpected: '${g}' is not a parameter of the model config.json describes`)));
    else unused.push(n);
  }
  return problems.length ? E.left(problems) : E.right({ params, fresh, unused });
};
