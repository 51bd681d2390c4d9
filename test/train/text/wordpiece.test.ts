// The WordPiece trainer against a hand-derived merge sequence, the JS tokenizers library on its vocabulary against
// hand-checked pieces, and on a Brown-trained tokenizer.json against Hugging Face's Rust `tokenizers`
// (wordpiece-golden.json, written by fixtures/gen-wordpiece-golden.py).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as E from 'fp-ts/lib/Either.js';
import * as nn from '../../../src/nn/index.js';
import { trainWordPiece, wordCounts } from '../../../src/train/text/wordpiece-train.js';
import { BERT_SPECIALS, wordPieceTokenizerConfig, wordPieceTokenizerJson } from '../../../src/train/text/wordpiece-json.js';
import { textTokenizer } from '../../../src/train/text/tokenizer.js';
import { tokenizerProblems } from '../../../src/train/hf/index.js';
import { fixtureVocab } from './fixtures/gen-brown-wordpiece.js';

const json = (name: string) => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));
const right = <A>(e: E.Either<unknown, A>): A => {
  if (E.isLeft(e)) assert.fail(JSON.stringify(e.left));
  return e.right;
};

// the corpus of Hugging Face's tokenizer course: hug 10, pug 5, pun 12, bun 4, hugs 5
const HUGS = 'hug '.repeat(10) + 'pug '.repeat(5) + 'pun '.repeat(12) + 'bun '.repeat(4) + 'hugs '.repeat(5);
// merges by hand: ##u ##g (20), ##u ##n (16), h ##ug (15: hug, and hugs becomes hug ##s), p ##un (12); then the
// 5s, hug ##s and p ##ug (ties break by the merged text: "hugs" < "pug"), and bun (4)
const ALPHABET = ['##g', '##n', '##s', '##u', 'b', 'h', 'p'];
const MERGES = ['##ug', '##un', 'hug', 'pun', 'hugs', 'pug', 'bun'];

describe('WordPiece training', () => {
  it('merges the most frequent pair each time, as derived by hand', () => {
    assert.deepEqual(trainWordPiece(wordCounts([HUGS]), { vocabSize: 100 }), [...BERT_SPECIALS, ...ALPHABET, ...MERGES]);
  });

  it('stops at the vocabulary size, and before a pair rarer than minFrequency', () => {
    assert.deepEqual(trainWordPiece(wordCounts([HUGS]), { vocabSize: 5 + 7 + 3 }), [...BERT_SPECIALS, ...ALPHABET, ...MERGES.slice(0, 3)]);
    assert.deepEqual(trainWordPiece(wordCounts([HUGS]), { vocabSize: 100, minFrequency: 5 }), [...BERT_SPECIALS, ...ALPHABET, ...MERGES.slice(0, 6)]);
  });

  it('counts words as BERT normalises and splits them (lowercase, accents off, punctuation alone)', () => {
    assert.deepEqual([...wordCounts(['Hug, HUG! Naïve hug.'])], [['hug', 3], [',', 1], ['!', 1], ['naive', 1], ['.', 1]]);
  });

  it('the library tokenizes with the trained vocabulary: longest piece first, [UNK] for what it cannot spell', () => {
    const tok = right(textTokenizer(wordPieceTokenizerJson(trainWordPiece(wordCounts([HUGS]), { vocabSize: 100 })), wordPieceTokenizerConfig(16)));
    assert.deepEqual(tok.pieces('Hugs bug PUGS! hu'), ['hugs', 'b', '##ug', 'pug', '##s', '[UNK]', 'h', '##u']);
    // ids: specials 0-4, alphabet 5-11, merges from 12 (hugs 16, b 9, ##ug 12, pug 17, ##s 7)
    assert.deepEqual(tok.encode('hugs bug pugs', 16), { inputIds: [2, 16, 9, 12, 17, 7, 3], tokenTypeIds: [0, 0, 0, 0, 0, 0, 0] });
    assert.deepEqual(tok.encode('hugs bug pugs', 4).inputIds, [2, 16, 9, 3]);
    assert.deepEqual([tok.padId, tok.unkId, tok.clsId, tok.sepId, tok.maskId, tok.vocabSize], [0, 1, 2, 3, 4, 19]);
  });
});

describe('a tokenizer trained on Brown', () => {
  it('retraining gives the committed fixture again (the one the golden encodings were made with)', () => {
    assert.deepEqual(wordPieceTokenizerJson(fixtureVocab()), json('brown-wordpiece.json'));
  });

  it('the JS library encodes as the Rust tokenizers do', () => {
    const tok = right(textTokenizer(json('brown-wordpiece.json'), wordPieceTokenizerConfig(512)));
    const golden = json('wordpiece-golden.json').encodings as Array<{ text: string; ids: number[]; tokens: string[]; type_ids: number[] }>;
    for (const g of golden) {
      assert.deepEqual(tok.encode(g.text, 512), { inputIds: g.ids, tokenTypeIds: g.type_ids }, g.text);
      assert.deepEqual(['[CLS]', ...tok.pieces(g.text), '[SEP]'], g.tokens, g.text);
    }
  });

  it('truncates to maxLength: the first pieces, then [SEP], also when only a prefix of a long text is encoded', () => {
    const tok = right(textTokenizer(json('brown-wordpiece.json'), wordPieceTokenizerConfig(512)));
    const g = json('wordpiece-golden.json').encodings[3] as { text: string; ids: number[] };
    const long = `${g.text} ${'more words here '.repeat(200)}`;
    for (const n of [2, 3, 10, g.ids.length - 1]) assert.deepEqual(tok.encode(long, n).inputIds, [...g.ids.slice(0, n - 1), 3]);
  });

  it('fits a model config with its vocabulary size and pad id; a smaller embedding table is reported', () => {
    const tokenizer = json('brown-wordpiece.json');
    const files = { tokenizer: 'tokenizer.json', tokenizerConfig: 'tokenizer_config.json' };
    const config = (vocabSize: number) => nn.resolveBertConfig({ vocabSize, hiddenSize: 8, numHiddenLayers: 1, numAttentionHeads: 2, intermediateSize: 8, maxPositionEmbeddings: 16, numLabels: 2 });
    assert.deepEqual(tokenizerProblems(tokenizer, config(600), files), []);
    const problems = tokenizerProblems(tokenizer, config(500), files);
    assert.equal(problems.length, 1);
    assert.match(problems[0].message, /100 token ids are >= the model's vocab_size 500/);
  });

  it('names every special token the vocabulary lacks', () => {
    const problems = E.getOrElse((l: string[]) => l)(E.map(() => [] as string[])(textTokenizer(wordPieceTokenizerJson(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'a']), { cls_token: '<s>', mask_token: '<mask>' })));
    assert.deepEqual(problems, ['cls token "<s>" is not in the vocabulary', 'mask token "<mask>" is not in the vocabulary']);
  });
});
