// A Hugging Face tokenizer.json checked against the model it is meant for, before any training: ids past the
// embedding table (graft's gather clamps them silently to the last row), a pad id other than config.json's, special
// tokens whose ids disagree with the vocabulary, token types the model has no embedding for.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import type { ResolvedBertConfig } from '../../nn/index.js';
import type { CheckpointProblem } from '../checkpoint/index.js';
import { inFile, problemAt } from '../checkpoint/problem.js';
import { show } from '../checkpoint/decode-errors.js';
import { HF_FILES, readJsonFile } from './hf-weights.js';

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === 'object' && u !== null && !Array.isArray(u);
const isId = (u: unknown): u is number => Number.isSafeInteger(u) && (u as number) >= 0;

/** Token -> id from model.vocab (WordPiece/BPE: an object; Unigram: [piece, score] pairs) and added_tokens. */
const idsOf = (tok: Record<string, unknown>): Map<string, number> => {
  const ids = new Map<string, number>();
  const vocab = isRecord(tok.model) ? tok.model.vocab : undefined;
  if (isRecord(vocab)) for (const [t, id] of Object.entries(vocab)) if (isId(id)) ids.set(t, id);
  if (Array.isArray(vocab)) vocab.forEach((entry, id) => Array.isArray(entry) && typeof entry[0] === 'string' && ids.set(entry[0], id));
  if (Array.isArray(tok.added_tokens)) for (const a of tok.added_tokens) if (isRecord(a) && typeof a.content === 'string' && isId(a.id)) ids.set(a.content, a.id);
  return ids;
};

/** The special tokens the post-processor inserts, with the ids it inserts for them and where it says so. */
const specialsOf = (post: unknown): Array<{ token: string; id: unknown; at: Array<string | number> }> => {
  if (!isRecord(post)) return [];
  if (post.type === 'BertProcessing' || post.type === 'RobertaProcessing') {
    return (['cls', 'sep'] as const).flatMap((k) => (Array.isArray(post[k]) && typeof (post[k] as unknown[])[0] === 'string' ? [{ token: (post[k] as unknown[])[0] as string, id: (post[k] as unknown[])[1], at: ['post_processor', k, 1] }] : []));
  }
  if (post.type === 'TemplateProcessing' && isRecord(post.special_tokens)) {
    return Object.entries(post.special_tokens).flatMap(([token, s]) => (isRecord(s) && Array.isArray(s.ids) ? s.ids.map((id, i) => ({ token, id, at: ['post_processor', 'special_tokens', token, 'ids', i] })) : []));
  }
  if (post.type === 'Sequence' && Array.isArray(post.processors)) return post.processors.flatMap((p) => specialsOf(p));
  return [];
};

/** The largest token type id the post-processor's templates give. */
const maxTypeId = (post: unknown): number => {
  if (!isRecord(post)) return 0;
  if (post.type === 'BertProcessing') return 1;
  if (post.type === 'Sequence' && Array.isArray(post.processors)) return Math.max(0, ...post.processors.map(maxTypeId));
  const pieces = [...(Array.isArray(post.single) ? post.single : []), ...(Array.isArray(post.pair) ? post.pair : [])];
  return Math.max(0, ...pieces.flatMap((p) => (isRecord(p) ? Object.values(p) : [])).map((v) => (isRecord(v) && isId(v.type_id) ? v.type_id : 0)));
};

/** The pad token: tokenizer_config.json's pad_token, else tokenizer.json's padding, else a conventional name. */
const padTokenOf = (tok: Record<string, unknown>, ids: ReadonlyMap<string, number>, configuredPad: unknown, files: TokenizerFiles): { token: string; at: (message: string) => CheckpointProblem } | undefined => {
  const named = typeof configuredPad === 'string' ? configuredPad : isRecord(configuredPad) && typeof configuredPad.content === 'string' ? configuredPad.content : undefined;
  if (named !== undefined) return { token: named, at: (m) => inFile(files.tokenizerConfig)(problemAt(['pad_token'], m)) };
  const at = (path: Array<string | number>) => (m: string) => inFile(files.tokenizer)(problemAt(path, m));
  if (isRecord(tok.padding) && typeof tok.padding.pad_token === 'string') return { token: tok.padding.pad_token, at: at(['padding', 'pad_token']) };
  const conventional = ['[PAD]', '<pad>'].find((t) => ids.has(t));
  return conventional === undefined ? undefined : { token: conventional, at: at(['model', 'vocab', conventional]) };
};

export interface TokenizerFiles {
  readonly tokenizer: string;
  readonly tokenizerConfig: string;
}

/**
 * Every way `tokenizer` (tokenizer.json's object) disagrees with `config`; `configuredPad` is tokenizer_config.json's
 * pad_token when there is one. An empty list means token ids, pad id and token types fit the model.
 */
export const tokenizerProblems = (tokenizer: unknown, config: ResolvedBertConfig, files: TokenizerFiles, configuredPad?: unknown): CheckpointProblem[] => {
  const here = (path: Array<string | number>, message: string): CheckpointProblem => inFile(files.tokenizer)(problemAt(path, message));
  if (!isRecord(tokenizer) || !isRecord(tokenizer.model)) return [here([], `expected a tokenizers JSON object with a model, got ${show(tokenizer)}`)];
  const ids = idsOf(tokenizer);
  if (ids.size === 0) return [here(['model', 'vocab'], 'no vocabulary: graft cannot check the token ids against the model')];
  const problems: CheckpointProblem[] = [];
  const tooLarge = [...ids].filter(([, id]) => id >= config.vocabSize).sort(([, a], [, b]) => a - b);
  if (tooLarge.length) {
    const [token, id] = tooLarge[tooLarge.length - 1];
    problems.push(here(['model', 'vocab'], `${tooLarge.length} token ids are >= the model's vocab_size ${config.vocabSize} (up to ${id}, ${show(token)}): the tokenizer does not belong to this model, and graft's embedding lookup would clamp those ids to the last row`));
  }
  for (const s of specialsOf(tokenizer.post_processor)) {
    const want = ids.get(s.token);
    if (!isId(s.id)) problems.push(here(s.at, `expected the id of ${show(s.token)}, got ${show(s.id)}`));
    else if (want !== undefined && want !== s.id) problems.push(here(s.at, `inserts ${show(s.token)} as id ${s.id}, but the vocabulary gives it id ${want}`));
    else if (s.id >= config.vocabSize) problems.push(here(s.at, `${show(s.token)} is id ${s.id}, past the model's vocab_size ${config.vocabSize}`));
  }
  const pad = padTokenOf(tokenizer, ids, configuredPad, files);
  const padId = pad === undefined ? undefined : ids.get(pad.token);
  if (pad !== undefined && padId === undefined) problems.push(pad.at(`pad token ${show(pad.token)} is not in the vocabulary`));
  if (isRecord(tokenizer.padding) && isId(tokenizer.padding.pad_id) && padId !== undefined && tokenizer.padding.pad_id !== padId) {
    problems.push(here(['padding', 'pad_id'], `pads with id ${tokenizer.padding.pad_id}, but ${show(pad!.token)} is id ${padId}`));
  }
  if (pad !== undefined && padId !== undefined && config.padTokenId !== null && padId !== config.padTokenId) {
    problems.push(pad.at(`the tokenizer pads with ${show(pad.token)} = id ${padId}, but config.json's pad_token_id is ${config.padTokenId}: padding would be trained as a word and the real pad row never used`));
  }
  const types = maxTypeId(tokenizer.post_processor);
  // a model without token type embeddings ignores the types; one with them needs a row for each
  if (config.typeVocabSize > 0 && types >= config.typeVocabSize) problems.push(here(['post_processor'], `gives token type ids up to ${types}, but the model has ${config.typeVocabSize} token types (type_vocab_size)`));
  return problems;
};

/** The tokenizer files of a model folder, if it has a tokenizer.json, checked against the model's config. */
export const folderTokenizerProblems = (dir: string, config: ResolvedBertConfig): CheckpointProblem[] => {
  const files = { tokenizer: join(dir, HF_FILES.tokenizer), tokenizerConfig: join(dir, HF_FILES.tokenizerConfig) };
  if (!existsSync(files.tokenizer)) return [];
  const tokenizer = readJsonFile(files.tokenizer);
  const settings = existsSync(files.tokenizerConfig) ? readJsonFile(files.tokenizerConfig) : E.right(undefined);
  if (E.isLeft(tokenizer) || E.isLeft(settings)) return [tokenizer, settings].flatMap((e: E.Either<CheckpointProblem[], unknown>) => (E.isLeft(e) ? e.left : []));
  return tokenizerProblems(tokenizer.right, config, files, isRecord(settings.right) ? settings.right.pad_token : undefined);
};
