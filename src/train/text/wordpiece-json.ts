// A BERT-style WordPiece tokenizer as Hugging Face's tokenizer.json (the layout `tokenizers` saves for
// bert-base-uncased): BertNormalizer (lowercase, accents stripped), BertPreTokenizer, [CLS] A [SEP] templates.

/** The special tokens in bert-base-uncased's order of ids: [PAD] 0, [UNK] 1, [CLS] 2, [SEP] 3, [MASK] 4. */
export const BERT_SPECIALS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;

export const CONTINUATION = '##';

export const BERT_NORMALIZER = { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true } as const;

const special = (token: string, typeId: number) => ({ SpecialToken: { id: token, type_id: typeId } });
const sequence = (id: 'A' | 'B', typeId: number) => ({ Sequence: { id, type_id: typeId } });

/** tokenizer.json's object for a vocabulary whose first entries are BERT_SPECIALS. */
export const wordPieceTokenizerJson = (vocab: readonly string[]) => {
  const ids = Object.fromEntries(vocab.map((t, i) => [t, i]));
  const specialToken = (t: string) => ({ id: t, ids: [ids[t]], tokens: [t] });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: BERT_SPECIALS.map((t) => ({ id: ids[t], content: t, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: BERT_NORMALIZER,
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [special('[CLS]', 0), sequence('A', 0), special('[SEP]', 0)],
      pair: [special('[CLS]', 0), sequence('A', 0), special('[SEP]', 0), sequence('B', 1), special('[SEP]', 1)],
      special_tokens: { '[CLS]': specialToken('[CLS]'), '[SEP]': specialToken('[SEP]') },
    },
    decoder: { type: 'WordPiece', prefix: CONTINUATION, cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: CONTINUATION, max_input_chars_per_word: 100, vocab: ids },
  };
};

/** tokenizer_config.json for it, as transformers' BertTokenizerFast saves one (what the library reads for specials). */
export const wordPieceTokenizerConfig = (maxLength: number) => ({
  tokenizer_class: 'BertTokenizer',
  do_lower_case: true,
  model_max_length: maxLength,
  pad_token: '[PAD]',
  unk_token: '[UNK]',
  cls_token: '[CLS]',
  sep_token: '[SEP]',
  mask_token: '[MASK]',
});
