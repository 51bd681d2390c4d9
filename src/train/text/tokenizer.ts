// A Hugging Face tokenizer.json in use, through @huggingface/tokenizers (pure JS): texts to ids with BERT's
// [CLS] … [SEP] around them, truncated to a length, and the ids a model's config must agree with.
import * as E from 'fp-ts/lib/Either.js';
import { Tokenizer } from '@huggingface/tokenizers';
import type { TokenEncoding } from '../data/token-rows.js';

export interface TextTokenizer {
  /** Ids run from 0 to vocabSize - 1 (added tokens included). */
  readonly vocabSize: number;
  readonly padId: number;
  readonly clsId: number;
  readonly sepId: number;
  readonly maskId: number;
  readonly unkId: number;
  /** `[CLS] pieces [SEP]`, the pieces cut to maxLength - 2 (transformers' truncation=True for one text). */
  readonly encode: (text: string, maxLength: number) => TokenEncoding;
  /** The pieces of a text, without specials (what `encode` wraps). */
  readonly pieces: (text: string) => string[];
  readonly library: Tokenizer;
}

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === 'object' && u !== null && !Array.isArray(u);
const tokenName = (u: unknown, fallback: string): string => (typeof u === 'string' ? u : isRecord(u) && typeof u.content === 'string' ? u.content : fallback);

/** The text up to the end of its `words`-th whitespace-separated word: every word gives a piece, so its pieces begin the text's. */
const leadingWords = (text: string, words: number): string => {
  const re = /\S+/g;
  let end = text.length;
  for (let n = 0; n < words; n++) {
    const m = re.exec(text);
    if (!m) return text;
    end = m.index + m[0].length;
  }
  return text.slice(0, end);
};

/**
 * The library's tokenizer for a tokenizer.json object and its tokenizer_config.json (or {}), with the special
 * tokens' ids; every special token missing from the vocabulary is named at once.
 */
export const textTokenizer = (tokenizerJson: unknown, tokenizerConfig: unknown = {}): E.Either<string[], TextTokenizer> => {
  const settings = isRecord(tokenizerConfig) ? tokenizerConfig : {};
  let library: Tokenizer;
  try {
    library = new Tokenizer(tokenizerJson as object, settings);
  } catch (e) {
    return E.left([`the tokenizers library cannot read it: ${(e as Error).message}`]);
  }
  const names = { pad: tokenName(settings.pad_token, '[PAD]'), cls: tokenName(settings.cls_token, '[CLS]'), sep: tokenName(settings.sep_token, '[SEP]'), mask: tokenName(settings.mask_token, '[MASK]'), unk: tokenName(settings.unk_token, '[UNK]') };
  const ids = Object.fromEntries(Object.entries(names).map(([k, t]) => [k, library.token_to_id(t)]));
  const missing = Object.entries(ids).filter(([, id]) => id === undefined).map(([k]) => `${k} token ${JSON.stringify(names[k as keyof typeof names])} is not in the vocabulary`);
  if (missing.length) return E.left(missing);
  const vocabSize = Math.max(...library.get_vocab(true).values()) + 1;
  const pieces = (text: string) => library.encode(text, { add_special_tokens: false }).tokens;
  const encode = (text: string, maxLength: number): TokenEncoding => {
    const room = Math.max(0, maxLength - 2);
    // long mail: encode a prefix that surely holds `room` pieces (each word gives at least one), unless it falls short
    const prefix = leadingWords(text, 2 * room + 16);
    let inner = library.encode(prefix, { add_special_tokens: false }).ids;
    if (inner.length < room && prefix.length < text.length) inner = library.encode(text, { add_special_tokens: false }).ids;
    const inputIds = [ids.cls!, ...inner.slice(0, room), ids.sep!];
    return { inputIds, tokenTypeIds: inputIds.map(() => 0) };
  };
  return E.right({ vocabSize, padId: ids.pad!, clsId: ids.cls!, sepId: ids.sep!, maskId: ids.mask!, unkId: ids.unk!, encode, pieces, library });
};
