// Loading tiny Hugging Face BERT folders written by the fixtures: F32, BF16, F16, sharded, a bare BertModel, a new
// head; the logits equal those of the same weights loaded through graft's own checkpoint; every problem at once.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import * as g from '../../../src/dsl/index.js';
import * as nn from '../../../src/nn/index.js';
import type { CheckpointProblem } from '../../../src/train/checkpoint/index.js';
import { loadCheckpoint, saveCheckpoint } from '../../../src/train/checkpoint/index.js';
import { loadHfBert, oversizedNote } from '../../../src/train/hf/index.js';
import { build, right } from '../../nn/harness.js';
import { compile } from '../../../src/compiler/index.js';
import { createRuntime } from '../../../src/runtime/index.js';
import { tempDir, tinyConfig, tinyFolder, tinyHfConfig, tinyWeights, writeHfFolder } from './fixtures.js';
import { values } from '../../runtime/large-tensor-cases.js';

const [batch, seq] = [2, 5];
const feeds = { ids: [1, 5, 9, 19, 0, 3, 3, 17, 2, 0], mask: [1, 1, 1, 1, 0, 1, 1, 1, 0, 0], types: [0, 0, 1, 1, 1, 0, 1, 1, 0, 0] };

/** Eval-mode logits of bertClassifier(config) on the fixed batch, by the float64 interpreter. */
const logits = (config: nn.BertConfig, params: Record<string, Float32Array>): Float64Array => {
  const model = nn.bertClassifier(config);
  const prog = build({ ...nn.paramShapes(model), ids: { shape: [batch, seq], dtype: 'i32' }, mask: [batch, seq], types: { shape: [batch, seq], dtype: 'i32' } }, (i) => ({
    logits: model.apply(i, { inputIds: i.ids, attentionMask: i.mask, tokenTypeIds: i.types }, nn.evalCtx),
  }));
  return right(g.interpret(prog, { ...params, ...feeds })).logits;
};

/** The same values through graft's own checkpoint file (param/ names, F32). */
const throughGraftCheckpoint = (params: Record<string, Float32Array>, config: nn.BertConfig): Record<string, Float32Array> => {
  const file = join(tempDir('ckpt'), 'model.safetensors');
  const shapes = nn.paramShapes(nn.bertClassifier(config));
  right(saveCheckpoint(file, { params, optState: {}, meta: { step: 0, epoch: 0, phaseDepth: 0, phaseProgress: null, generator: { seed: 0, step: 0 }, config: '' }, shapes: { params: shapes, optState: {} } }));
  return { ...right(loadCheckpoint(file, { params: shapes })).params };
};

const bitsOf = (a: Float32Array) => [...new Uint32Array(a.buffer, a.byteOffset, a.length)];
const assertSameBits = (got: Record<string, Float32Array>, want: Record<string, Float32Array>) => {
  assert.deepEqual(Object.keys(got), Object.keys(want));
  for (const n of Object.keys(want)) assert.deepEqual(bitsOf(got[n]), bitsOf(want[n]), n);
};

const problemsOf = (r: E.Either<CheckpointProblem[], unknown>): CheckpointProblem[] => {
  assert.ok(E.isLeft(r), 'expected problems');
  return r.left;
};

describe('loadHfBert', () => {
  for (const [dtype, shards] of [['F32', 1], ['BF16', 1], ['F16', 1], ['BF16', 3]] as const) {
    it(`${dtype}${shards > 1 ? `, ${shards} shards and an index` : ''}: the stored values exactly, and the logits of graft’s own checkpoint path`, () => {
      const { dir, stored } = tinyFolder(dtype, shards);
      const loaded = right(loadHfBert(dir));
      assert.deepEqual(loaded.config, nn.resolveBertConfig(tinyConfig));
      assert.deepEqual(loaded.labels, ['neg', 'neutral', 'pos']);
      assert.deepEqual(loaded.notes, []);
      assertSameBits(loaded.params, stored);
      const want = logits(tinyConfig, throughGraftCheckpoint(stored, tinyConfig));
      assert.deepEqual(logits(loaded.config, loaded.params), want);
      if (dtype !== 'F32') assert.notDeepEqual(logits(tinyConfig, tinyWeights()), want, 'the rounding shows in the logits');
    });
  }

  it('a bare BertModel (no bert. prefix, no head) with buffers: the encoder loads, the classifier is new and named', () => {
    const dir = tempDir('bare');
    const weights = tinyWeights();
    const shapes = nn.paramShapes(nn.bertClassifier(tinyConfig));
    const bare = Object.fromEntries(Object.entries(weights).filter(([n]) => n.startsWith('bert.')).map(([n, v]) => [n.slice(5), v]));
    const bareShapes = Object.fromEntries(Object.entries(shapes).map(([n, s]) => [n.replace(/^bert\./, ''), s]));
    const positionIds = { dtype: 'I64' as const, shape: [1, 7], data: new Uint8Array(56) };
    writeHfFolder(dir, { config: tinyHfConfig({ architectures: ['BertModel'] }), weights: bare, shapes: bareShapes, extra: { 'embeddings.position_ids': positionIds } });
    const loaded = right(loadHfBert(dir, { seed: 3 }));
    for (const [n, v] of Object.entries(weights)) if (n.startsWith('bert.')) assert.deepEqual(loaded.params[n], v, n);
    const fresh = nn.initParams(nn.bertClassifier(tinyConfig), 3);
    assert.deepEqual(loaded.params['classifier.weight'], fresh['classifier.weight']);
    assert.deepEqual(loaded.params['classifier.bias'], new Float32Array(3));
    assert.deepEqual(loaded.notes, [`newly initialised (not in ${join(dir, 'model.safetensors')}): classifier.weight [3,8], classifier.bias [3]`]);
  });

  it('other labels give a new head; another task’s head is not used and says so; LayerNorm gamma/beta are renamed', () => {
    const dir = tempDir('relabel');
    const weights = tinyWeights();
    const renamed = Object.fromEntries(Object.entries(weights).map(([n, v]) => [n.replace(/LayerNorm\.weight$/, 'LayerNorm.gamma').replace(/LayerNorm\.bias$/, 'LayerNorm.beta'), v]));
    const shapes = Object.fromEntries(Object.entries(nn.paramShapes(nn.bertClassifier(tinyConfig))).map(([n, s]) => [n.replace(/LayerNorm\.weight$/, 'LayerNorm.gamma').replace(/LayerNorm\.bias$/, 'LayerNorm.beta'), s]));
    writeHfFolder(dir, { weights: { ...renamed, 'cls.predictions.bias': new Float32Array(20) }, shapes: { ...shapes, 'cls.predictions.bias': [20] } });
    const loaded = right(loadHfBert(dir, { labels: ['ham', 'spam'] }));
    assert.equal(loaded.config.numLabels, 2);
    assert.deepEqual(problemsOf(loadHfBert(dir, { labels: [] })).map((p) => `${p.file}: ${p.path}: ${p.message}`), ['(arguments): labels: no label names: a classifier needs at least one label']);
    assert.deepEqual(loaded.labels, ['ham', 'spam']);
    assert.deepEqual(loaded.params['bert.embeddings.LayerNorm.weight'], weights['bert.embeddings.LayerNorm.weight']);
    assert.deepEqual(loaded.params['classifier.weight'], nn.initParams(nn.bertClassifier({ ...tinyConfig, numLabels: 2 }), 0)['classifier.weight']);
    assert.deepEqual(loaded.notes, [
      `a new classifier for 2 labels (${join(dir, 'config.json')} has 3)`,
      `newly initialised (not in ${join(dir, 'model.safetensors')}): classifier.weight [2,8], classifier.bias [2]`,
      "not used (another task's head): cls.predictions.bias",
    ]);
  });

  it('a masked-LM checkpoint (no pooler, a cls. head): the pooler and classifier start afresh, the MLM head is not used', () => {
    const dir = tempDir('mlm');
    const weights = tinyWeights();
    const shapes = nn.paramShapes(nn.bertClassifier(tinyConfig));
    const encoder = Object.fromEntries(Object.entries(weights).filter(([n]) => n.startsWith('bert.') && !n.startsWith('bert.pooler.')));
    writeHfFolder(dir, { config: tinyHfConfig({ architectures: ['BertForMaskedLM'] }), weights: { ...encoder, 'cls.predictions.transform.dense.weight': new Float32Array(64) }, shapes: { ...shapes, 'cls.predictions.transform.dense.weight': [8, 8] } });
    const loaded = right(loadHfBert(dir));
    for (const n of Object.keys(encoder)) assert.deepEqual(loaded.params[n], weights[n], n);
    assert.deepEqual(loaded.notes, [
      `newly initialised (not in ${join(dir, 'model.safetensors')}): bert.pooler.dense.weight [8,8], bert.pooler.dense.bias [8], classifier.weight [3,8], classifier.bias [3]`,
      "not used (another task's head): cls.predictions.transform.dense.weight",
    ]);
  });

  it('two tensors for one parameter (an old gamma beside a weight) is a problem naming both', () => {
    const dir = tempDir('twice');
    const weights = tinyWeights();
    const shapes = nn.paramShapes(nn.bertClassifier(tinyConfig));
    writeHfFolder(dir, { weights: { ...weights, 'bert.embeddings.LayerNorm.gamma': new Float32Array(8) }, shapes: { ...shapes, 'bert.embeddings.LayerNorm.gamma': [8] } });
    assert.deepEqual(problemsOf(loadHfBert(dir)).map((p) => [p.path, p.message]), [
      ['header["bert.embeddings.LayerNorm.gamma"]', "'bert.embeddings.LayerNorm.gamma' and 'bert.embeddings.LayerNorm.weight' both name parameter 'bert.embeddings.LayerNorm.weight'"],
    ]);
  });

  it('config and weight problems together: unsupported fields, missing, unexpected, mis-shaped and integer tensors, each naming its file', () => {
    const dir = tempDir('bad');
    const weights = { ...tinyWeights() };
    const shapes: Record<string, readonly number[]> = { ...nn.paramShapes(nn.bertClassifier(tinyConfig)) };
    delete weights['bert.encoder.layer.1.output.dense.bias'];
    weights['bert.encoder.layer.2.output.dense.bias'] = new Float32Array(8);
    shapes['bert.encoder.layer.2.output.dense.bias'] = [8];
    shapes['bert.encoder.layer.0.attention.self.query.weight'] = [4, 16];
    writeHfFolder(dir, { config: tinyHfConfig({ position_embedding_type: 'relative_key_query', is_decoder: true }), weights, shapes });
    const configProblems = problemsOf(loadHfBert(dir)).map((p) => `${p.file}: ${p.path}`);
    assert.deepEqual(configProblems, [`${join(dir, 'config.json')}: position_embedding_type`, `${join(dir, 'config.json')}: is_decoder`]);
    writeFileSync(join(dir, 'config.json'), JSON.stringify(tinyHfConfig()));
    const intIds = { dtype: 'I32' as const, shape: [2, 8], data: new Uint8Array(64) };
    writeHfFolder(dir, { weights: { ...weights, 'bert.embeddings.token_type_embeddings.weight': new Float32Array(0) }, shapes, extra: { 'bert.embeddings.token_type_embeddings.weight': intIds } });
    const file = join(dir, 'model.safetensors');
    const got = problemsOf(loadHfBert(dir));
    assert.ok(got.every((p) => p.file === file));
    assert.deepEqual(got.map((p) => [p.path, p.message]), [
      ['header["bert.embeddings.token_type_embeddings.weight"].dtype', 'I32: graft reads weights in F32, F16, BF16'],
      ['header["bert.encoder.layer.0.attention.self.query.weight"].shape', "[4, 16], but the model's parameter 'bert.encoder.layer.0.attention.self.query.weight' is [8, 8] (from config.json)"],
      ['header["bert.encoder.layer.1.output.dense.bias"]', "missing: the model's parameter 'bert.encoder.layer.1.output.dense.bias' [8] has no tensor"],
      ['header["bert.encoder.layer.2.output.dense.bias"]', "unexpected: 'bert.encoder.layer.2.output.dense.bias' is not a parameter of the model config.json describes"],
    ]);
  });

  it('a sharded index that does not match its shards, and a shard outside the folder: every problem at once', () => {
    const { dir } = tinyFolder('F32', 2, 'badindex');
    const index = join(dir, 'model.safetensors.index.json');
    const map = JSON.parse(readFileSync(index, 'utf8'));
    const names = Object.keys(map.weight_map);
    map.weight_map[names[0]] = 'model-00002-of-00002.safetensors'; // listed in the wrong shard
    delete map.weight_map[names[1]]; // in a shard, not in the index
    map.weight_map['bert.pooler.dense.bias'] = '../elsewhere.safetensors';
    map.weight_map['extra.weight'] = 'model-00003-of-00002.safetensors';
    writeFileSync(index, JSON.stringify(map));
    const got = problemsOf(loadHfBert(dir)).map((p) => `${p.file.slice(dir.length + 1)}: ${p.path}: ${p.message}`);
    assert.deepEqual(got.sort(), [
      `model-00001-of-00002.safetensors: header["${names[0]}"]: the index puts '${names[0]}' in model-00002-of-00002.safetensors, not here`,
      `model-00001-of-00002.safetensors: header["${names[1]}"]: '${names[1]}' is not in the index's weight_map`,
      'model-00002-of-00002.safetensors: header["bert.pooler.dense.bias"]: the index puts \'bert.pooler.dense.bias\' in ../elsewhere.safetensors, not here',
      'model-00003-of-00002.safetensors: (file): no such file (' + index + ' lists 1 tensors in it)',
      `model.safetensors.index.json: weight_map["${names[0]}"]: model-00002-of-00002.safetensors holds no tensor '${names[0]}'`,
      `model.safetensors.index.json: weight_map["bert.pooler.dense.bias"]: expected the name of a shard file in ${dir}, got "../elsewhere.safetensors"`,
    ].sort());
  });

  it('a folder without safetensors weights, or no folder at all', () => {
    const dir = tempDir('pickle');
    writeFileSync(join(dir, 'config.json'), JSON.stringify(tinyHfConfig()));
    writeFileSync(join(dir, 'pytorch_model.bin'), 'not read');
    const [p] = problemsOf(loadHfBert(dir));
    assert.equal(p.file, dir);
    assert.match(p.message, /no model\.safetensors or model\.safetensors\.index\.json; it holds pytorch_model\.bin, which graft does not read \(a pickle runs code when loaded\)/);
    rmSync(dir, { recursive: true });
    assert.deepEqual(problemsOf(loadHfBert(dir)).map((q) => q.message), ['no such file', 'no such folder']);
    mkdirSync(dir);
  });

  it('bert-base’s word embeddings (30522 x 768 > 2^24 elements) are named as past gpu.js’s tensor limit, not wasm’s; the tiny model is not', () => {
    assert.deepEqual(oversizedNote(nn.bertClassifier(nn.bertBaseConfig(2))), [
      "bert.embeddings.word_embeddings.weight [30522, 768] exceeds 16777216 elements: the gpu.js backends (webasm, cpu) refuse programs that take it (the webgpu backend's limit is its adapter's)",
    ]);
    // a 250,002 x 4096 vocabulary (2^29 < 1.02e9 elements) is past wasm's too
    const huge = nn.bertClassifier({ ...nn.bertBaseConfig(2), vocabSize: 250002, hiddenSize: 4096, numAttentionHeads: 16 });
    assert.ok(oversizedNote(huge).some((n) => n.startsWith('bert.embeddings.word_embeddings.weight [250002, 4096]') && n.includes('exceeds 536870912 elements: the wasm backend refuses programs')));
  });

  it('a BERT with a 33000 x 520 vocabulary (17.16M > 2^24) loads whole, and its logits on wasm for words past flat index 2^24 equal the float64 interpreter\'s', async () => {
    const config: nn.BertConfig = { vocabSize: 33000, hiddenSize: 520, numHiddenLayers: 1, numAttentionHeads: 4, intermediateSize: 16, maxPositionEmbeddings: 7, numLabels: 3, layerNormEps: 1e-5 };
    const hf = tinyHfConfig({ vocab_size: 33000, hidden_size: 520, num_hidden_layers: 1, num_attention_heads: 4, intermediate_size: 16 });
    const model = nn.bertClassifier(config);
    const dir = tempDir('big-vocab');
    // F32 and a xorshift stream: the fixtures' per-element generator and BF16 encoder take a minute for 17M values
    const weights = Object.fromEntries(model.params.map((q, k) => [q.name, Float32Array.from(values(q.shape.reduce((a, b) => a * b, 1), 100 + k, 0.5), (v) => (q.name.endsWith('LayerNorm.weight') ? 1 + v : v))]));
    const stored = writeHfFolder(dir, { config: hf, weights, shapes: nn.paramShapes(model) });
    const loaded = right(loadHfBert(dir));
    rmSync(dir, { recursive: true });
    const words = 'bert.embeddings.word_embeddings.weight';
    assert.equal(loaded.params[words].length, 33000 * 520);
    assert.deepEqual(bitsOf(loaded.params[words].subarray(2 ** 24 - 8)), bitsOf(stored[words].subarray(2 ** 24 - 8)));
    assert.ok(loaded.notes.some((n) => n.startsWith(`${words} [33000, 520] exceeds 16777216 elements: the gpu.js backends`)));
    // rows from 32264 lie wholly past flat index 2^24; 32263 straddles it
    const ids = [32999, 32264, 1, 32263, 0, 32500, 17, 32998, 2, 0];
    const prog = build({ ...nn.paramShapes(model), ids: { shape: [batch, seq], dtype: 'i32' }, mask: [batch, seq], types: { shape: [batch, seq], dtype: 'i32' } }, (i) => ({
      logits: model.apply(i, { inputIds: i.ids, attentionMask: i.mask, tokenTypeIds: i.types }, nn.evalCtx),
    }));
    const inputs = { ...loaded.params, ...feeds, ids };
    const want = right(g.interpret(prog, inputs)).logits;
    const rt = await createRuntime({ backend: 'wasm' });
    try {
      const got = right(await rt.load(compile(prog)).run(inputs)).logits;
      got.forEach((v, k) => assert.ok(Math.abs(v - want[k]) <= 1e-4 * (1 + Math.abs(want[k])), `logits[${k}] = ${v}, want ${want[k]}`));
    } finally {
      rt.destroy();
    }
    assert.deepEqual(oversizedNote(nn.bertClassifier(tinyConfig)), []);
  });
});
