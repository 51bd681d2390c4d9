// A folder's tokenizer.json against its model: the one transformers wrote for the fixture fits; a vocabulary past the
// embedding table, a pad id other than config.json's, special-token ids that disagree and token types the model lacks
// are each reported, all at once, when the folder is loaded.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as E from 'fp-ts/lib/Either.js';
import * as nn from '../../../src/nn/index.js';
import { folderTokenizerProblems, loadHfBert } from '../../../src/train/hf/index.js';
import { tempDir } from './fixtures.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/hf-bert-f32', import.meta.url));
const tinyResolved = nn.resolveBertConfig({ vocabSize: 20, hiddenSize: 8, numHiddenLayers: 2, numAttentionHeads: 2, intermediateSize: 12, maxPositionEmbeddings: 7, numLabels: 3, layerNormEps: 1e-5 });

/** A copy of the fixture folder with its JSON files changed. */
const changed = (edit: (files: { config: any; tokenizer: any; tokenizerConfig: any }) => void): string => {
  const dir = join(tempDir('tok'), 'model');
  cpSync(FIXTURE, dir, { recursive: true });
  const read = (f: string) => JSON.parse(readFileSync(join(dir, f), 'utf8'));
  const files = { config: read('config.json'), tokenizer: read('tokenizer.json'), tokenizerConfig: read('tokenizer_config.json') };
  edit(files);
  writeFileSync(join(dir, 'config.json'), JSON.stringify(files.config));
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(files.tokenizer));
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify(files.tokenizerConfig));
  return dir;
};

describe('the tokenizer checked against the model', () => {
  it('the tokenizer transformers saved with the fixture fits it', () => {
    assert.deepEqual(folderTokenizerProblems(FIXTURE, tinyResolved), []);
  });

  it('every mismatch at once when the folder is loaded, each with its file and path', () => {
    const dir = changed(({ config, tokenizer }) => {
      config.pad_token_id = 1;
      config.type_vocab_size = 1;
      for (const [k, w] of ['x', 'y', 'z'].entries()) tokenizer.model.vocab[w] = 20 + k;
      tokenizer.added_tokens.push({ id: 30, content: '[NEW]', special: true });
      tokenizer.post_processor.special_tokens['[CLS]'].ids = [7];
    });
    const r = loadHfBert(dir);
    assert.ok(E.isLeft(r));
    const tok = join(dir, 'tokenizer.json');
    assert.deepEqual(r.left.map((p) => [p.file, p.path, p.message]), [
      // the weights are checked too: the one token type config.json now claims is not what the file holds
      [join(dir, 'model.safetensors'), 'header["bert.embeddings.token_type_embeddings.weight"].shape', "[2, 8], but the model's parameter 'bert.embeddings.token_type_embeddings.weight' is [1, 8] (from config.json)"],
      [tok, 'model.vocab', `4 token ids are >= the model's vocab_size 20 (up to 30, "[NEW]"): the tokenizer does not belong to this model, and graft's embedding lookup would clamp those ids to the last row`],
      [tok, 'post_processor.special_tokens["[CLS]"].ids[0]', 'inserts "[CLS]" as id 7, but the vocabulary gives it id 2'],
      [join(dir, 'tokenizer_config.json'), 'pad_token', `the tokenizer pads with "[PAD]" = id 0, but config.json's pad_token_id is 1: padding would be trained as a word and the real pad row never used`],
      [tok, 'post_processor', 'gives token type ids up to 1, but the model has 1 token types (type_vocab_size)'],
    ]);
  });

  it('a pad token the vocabulary lacks, and padding whose id disagrees with its token', () => {
    const missing = changed(({ tokenizerConfig }) => (tokenizerConfig.pad_token = '<pad>'));
    assert.deepEqual(folderTokenizerProblems(missing, tinyResolved).map((p) => p.message), ['pad token "<pad>" is not in the vocabulary']);
    const padding = changed(({ tokenizer, tokenizerConfig }) => {
      delete tokenizerConfig.pad_token;
      tokenizer.padding = { pad_id: 3, pad_token: '[PAD]', pad_type_id: 0, direction: 'Right', strategy: 'BatchLongest', pad_to_multiple_of: null };
    });
    assert.deepEqual(folderTokenizerProblems(padding, tinyResolved).map((p) => [p.path, p.message]), [['padding.pad_id', 'pads with id 3, but "[PAD]" is id 0']]);
  });
});
