// Export and reload: a graft checkpoint written as a Hugging Face folder reads back through the HF loader as the
// same config, labels and values bit for bit; the files have transformers' names, F32 and {"format": "pt"};
// nothing is written when anything is wrong, and a non-empty folder needs force.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import * as nn from '../../../src/nn/index.js';
import type { CheckpointProblem } from '../../../src/train/checkpoint/index.js';
import { decodeSafetensors, saveCheckpoint } from '../../../src/train/checkpoint/index.js';
import { exportHfBert, loadHfBert, saveHfBert } from '../../../src/train/hf/index.js';
import { right } from '../../nn/harness.js';
import { tempDir, tinyConfig, tinyFolder } from './fixtures.js';

const META = { step: 3, epoch: 1, phaseDepth: 0, phaseProgress: null, generator: { seed: 0, step: 3 }, config: '' };

/** A graft checkpoint (params and some optimizer state) of these parameters. */
const graftCheckpoint = (params: Record<string, Float32Array>, config: nn.BertConfig = tinyConfig): string => {
  const file = join(tempDir('ckpt'), 'last.safetensors');
  const shapes = nn.paramShapes(nn.bertClassifier(config));
  const optState = { 'mu/classifier.bias': new Float32Array(config.numLabels).fill(0.5) };
  right(saveCheckpoint(file, { params, optState, meta: META, shapes: { params: shapes, optState: { 'mu/classifier.bias': [config.numLabels] } } }));
  return file;
};

const bitsOf = (a: Float32Array) => [...new Uint32Array(a.buffer, a.byteOffset, a.length)];
const problemsOf = (r: E.Either<CheckpointProblem[], unknown>): CheckpointProblem[] => {
  assert.ok(E.isLeft(r), 'expected problems');
  return r.left;
};

describe('exportHfBert', () => {
  it('HF folder (bf16) -> graft -> checkpoint -> export -> HF loader: the same config, labels and values bit for bit', () => {
    const { dir } = tinyFolder('BF16');
    const loaded = right(loadHfBert(dir));
    const out = join(tempDir('export'), 'nested', 'model');
    const written = right(exportHfBert(graftCheckpoint(loaded.params), dir, out));
    assert.deepEqual(written.notes, []);
    assert.deepEqual(readdirSync(out).sort(), ['config.json', 'model.safetensors']);
    const back = right(loadHfBert(out));
    assert.deepEqual(back.config, loaded.config);
    assert.deepEqual(back.labels, ['neg', 'neutral', 'pos']);
    assert.deepEqual(back.notes, []);
    for (const n of Object.keys(loaded.params)) assert.deepEqual(bitsOf(back.params[n]), bitsOf(loaded.params[n]), n);
  });

  it('the files: transformers’ names in the model’s order, F32, {"format": "pt"}, no optimizer state; config.json as transformers writes it', () => {
    const { dir } = tinyFolder('F32');
    const loaded = right(loadHfBert(dir));
    const out = join(tempDir('export'), 'model');
    right(exportHfBert(graftCheckpoint(loaded.params), join(dir, 'config.json'), out));
    const st = right(decodeSafetensors(new Uint8Array(readFileSync(join(out, 'model.safetensors')))));
    assert.deepEqual(st.metadata, { format: 'pt' });
    const model = nn.bertClassifier(tinyConfig);
    assert.deepEqual(Object.keys(st.tensors), model.params.map((p) => p.name));
    for (const p of model.params) assert.deepEqual([st.tensors[p.name].dtype, st.tensors[p.name].shape], ['F32', p.shape], p.name);
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    assert.deepEqual(config.architectures, ['BertForSequenceClassification']);
    assert.equal(config.model_type, 'bert');
    assert.deepEqual([config.vocab_size, config.hidden_size, config.num_hidden_layers, config.num_attention_heads, config.intermediate_size, config.max_position_embeddings, config.type_vocab_size, config.layer_norm_eps, config.pad_token_id], [20, 8, 2, 2, 12, 7, 2, 1e-5, 0]);
    assert.deepEqual(config.id2label, { 0: 'neg', 1: 'neutral', 2: 'pos' });
    assert.deepEqual(config.label2id, { neg: 0, neutral: 1, pos: 2 });
  });

  it('a checkpoint with a new head: the label count from the classifier, generic names, and a note', () => {
    const { dir } = tinyFolder('F32', 1, 'relabel');
    const loaded = right(loadHfBert(dir, { labels: ['ham', 'spam'] }));
    const out = join(tempDir('export'), 'model');
    const written = right(exportHfBert(graftCheckpoint(loaded.params, { ...tinyConfig, numLabels: 2 }), dir, out));
    assert.deepEqual(written.labels, ['LABEL_0', 'LABEL_1']);
    assert.match(written.notes[0], /the checkpoint's classifier has 2 labels, .*config\.json names 3: written as LABEL_0, LABEL_1/);
    assert.equal(right(loadHfBert(out)).config.numLabels, 2);
  });

  it('every problem before anything is written: config fields, the checkpoint’s missing and mis-shaped parameters, a non-empty folder', () => {
    const { dir } = tinyFolder('F32', 1, 'badexport');
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')), hidden_act: 'silu' }));
    const params = { ...right(loadHfBert(join(tinyFolder('F32').dir))).params };
    delete params['bert.pooler.dense.bias'];
    const ckpt = graftCheckpoint(params);
    const out = tempDir('nonempty');
    writeFileSync(join(out, 'tokenizer.json'), '{}');
    const got = problemsOf(exportHfBert(ckpt, dir, out)).map((p) => `${p.file}: ${p.path}`);
    assert.deepEqual(got, [`${out}: (file)`, `${join(dir, 'config.json')}: hidden_act`]);
    assert.deepEqual(readdirSync(out), ['tokenizer.json']);
    const fixedConfig = tinyFolder('F32').dir;
    const missing = problemsOf(exportHfBert(ckpt, fixedConfig, join(out, 'sub')));
    assert.deepEqual(missing.map((p) => [p.file, p.path]), [[ckpt, 'header["param/bert.pooler.dense.bias"]']]);
    assert.ok(!existsSync(join(out, 'sub')));
    const notCheckpoint = problemsOf(exportHfBert(join(fixedConfig, 'model.safetensors'), fixedConfig, join(out, 'sub')));
    assert.match(notCheckpoint[0].message, /no graft metadata/);
  });

  it('--force writes into a non-empty folder, leaving its other files, and says so', () => {
    const { dir } = tinyFolder('F32');
    const loaded = right(loadHfBert(dir));
    const out = tempDir('force');
    writeFileSync(join(out, 'README.md'), '# my model\n');
    const written = right(exportHfBert(graftCheckpoint(loaded.params), dir, out, true));
    assert.deepEqual(readdirSync(out).sort(), ['README.md', 'config.json', 'model.safetensors']);
    assert.deepEqual(written.notes, [`left as they were in ${out}: README.md`]);
    assert.deepEqual(right(loadHfBert(out)).params, loaded.params);
  });
});

describe('saveHfBert', () => {
  it('parameters straight from graft: written and read back; wrong values refused with their names', () => {
    const config = nn.resolveBertConfig(tinyConfig);
    const params = nn.initParams(nn.bertClassifier(config), 5);
    const out = join(tempDir('save'), 'm');
    right(saveHfBert(out, config, ['a', 'b', 'c'], params));
    assert.deepEqual(right(loadHfBert(out)).params, params);
    const bad = { ...params, 'classifier.bias': new Float32Array(2), extra: new Float32Array(1) };
    const got = problemsOf(saveHfBert(join(out, 'x'), config, ['a'], bad)).map((p) => `${p.file}: ${p.path}: ${p.message}`);
    assert.deepEqual(got, [
      `(parameters): ["classifier.bias"]: 2 values, but the model's parameter is [3] (3)`,
      '(parameters): extra: not a parameter of the model the config describes',
      '(arguments): labels: 1 names for 3 labels',
    ]);
    mkdirSync(join(out, 'y'));
    right(saveHfBert(join(out, 'y'), config, ['a', 'b', 'c'], params));
  });
});
