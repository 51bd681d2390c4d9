// Tiny Hugging Face BERT folders written by graft's own code: config.json plus weights in F32, BF16 or F16, in one
// file or sharded with an index, as transformers' save_pretrained lays them out.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RawTensor } from '../../../src/train/checkpoint/index.js';
import { encodeSafetensors, f32Tensor } from '../../../src/train/checkpoint/index.js';
import * as nn from '../../../src/nn/index.js';
import { randoms } from '../../nn/harness.js';

export type FixtureDtype = 'F32' | 'BF16' | 'F16';

/** Round half to even of a non-negative number known to sit within [0, 2^53). */
const roundHalfEven = (x: number): number => {
  const f = Math.floor(x);
  const d = x - f;
  return d > 0.5 || (d === 0.5 && f % 2 === 1) ? f + 1 : f;
};

const f32Bits = (x: number): number => new Uint32Array(Float32Array.of(x).buffer)[0];

/** f32 -> bf16 bits, round half to even (NaN stays a quiet NaN). */
export const bf16Bits = (x: number): number => {
  const b = f32Bits(x);
  if (Number.isNaN(x)) return (b >>> 16) | 0x40;
  return ((b + 0x7fff + ((b >>> 16) & 1)) >>> 16) & 0xffff;
};

/** f32 -> IEEE half bits, round half to even, through subnormals; beyond the largest half, infinity. */
export const f16Bits = (x: number): number => {
  if (Number.isNaN(x)) return 0x7e00;
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  let a = Math.abs(x);
  if (a < 2 ** -14) return sign | roundHalfEven(a * 2 ** 24); // 1024 rounds up into the first normal, which is right
  let e = 0;
  while (a >= 2) [a, e] = [a / 2, e + 1];
  while (a < 1) [a, e] = [a * 2, e - 1];
  let m = roundHalfEven((a - 1) * 1024);
  if (m === 1024) [m, e] = [0, e + 1];
  return e + 15 >= 31 ? sign | 0x7c00 : sign | ((e + 15) << 10) | m;
};

/** The value of half bits, by the formula (not by graft's decoder): the reference the loader is checked against. */
export const f16Value = (h: number): number => {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 31) return m ? Number.NaN : s * Infinity;
  return e === 0 ? s * m * 2 ** -24 : s * (1 + m / 1024) * 2 ** (e - 15);
};

/** The value of bfloat16 bits, by the formula. */
export const bf16Value = (h: number): number => {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >>> 7) & 0xff;
  const m = h & 0x7f;
  if (e === 255) return m ? Number.NaN : s * Infinity;
  return e === 0 ? s * m * 2 ** -133 : s * (1 + m / 128) * 2 ** (e - 127);
};

const halfTensor = (bits: (x: number) => number, dtype: 'BF16' | 'F16', values: Float32Array, shape: readonly number[]): RawTensor => {
  const data = new Uint8Array(values.length * 2);
  values.forEach((v, i) => {
    const h = bits(v);
    data[2 * i] = h & 0xff;
    data[2 * i + 1] = h >>> 8;
  });
  return { dtype, shape, data };
};

/** The tensor in `dtype`, and the f32 values it holds (by the formulas above). */
export const encodeAs = (dtype: FixtureDtype, values: Float32Array, shape: readonly number[]): { tensor: RawTensor; stored: Float32Array } => {
  if (dtype === 'F32') return { tensor: f32Tensor(values, shape), stored: values };
  const [bits, value] = dtype === 'BF16' ? [bf16Bits, bf16Value] : [f16Bits, f16Value];
  return { tensor: halfTensor(bits, dtype, values, shape), stored: Float32Array.from(values, (v) => value(bits(v))) };
};

/** A tiny BertForSequenceClassification's config.json, as transformers writes it. */
export const tinyHfConfig = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  architectures: ['BertForSequenceClassification'],
  attention_probs_dropout_prob: 0.1,
  classifier_dropout: null,
  hidden_act: 'gelu',
  hidden_dropout_prob: 0.1,
  hidden_size: 8,
  id2label: { '0': 'neg', '1': 'neutral', '2': 'pos' },
  initializer_range: 0.02,
  intermediate_size: 12,
  label2id: { neg: 0, neutral: 1, pos: 2 },
  layer_norm_eps: 1e-5,
  max_position_embeddings: 7,
  model_type: 'bert',
  num_attention_heads: 2,
  num_hidden_layers: 2,
  pad_token_id: 0,
  position_embedding_type: 'absolute',
  torch_dtype: 'float32',
  transformers_version: '5.17.0',
  type_vocab_size: 2,
  use_cache: true,
  vocab_size: 20,
  ...over,
});

/** graft's BertConfig for tinyHfConfig(). */
export const tinyConfig: nn.BertConfig = { vocabSize: 20, hiddenSize: 8, numHiddenLayers: 2, numAttentionHeads: 2, intermediateSize: 12, maxPositionEmbeddings: 7, numLabels: 3, layerNormEps: 1e-5 };

/** Weights large enough that every term shows in the logits; LayerNorm gains near 1. */
export const tinyWeights = (config: nn.BertConfig = tinyConfig, seed = 100): Record<string, Float32Array> => {
  const model = nn.bertClassifier(config);
  return Object.fromEntries(model.params.map((q, k) => [q.name, Float32Array.from(randoms(q.shape.reduce((a, b) => a * b, 1), seed + k, 0.5), (v) => (q.name.endsWith('LayerNorm.weight') ? 1 + v : v))]));
};

export interface FolderSpec {
  readonly config?: Record<string, unknown>;
  /** By checkpoint name; shapes from `shapes`. */
  readonly weights: Readonly<Record<string, Float32Array>>;
  readonly shapes: Readonly<Record<string, readonly number[]>>;
  readonly dtype?: FixtureDtype;
  /** Split the tensors over this many shards with an index (transformers' model-0000k-of-0000n names). */
  readonly shards?: number;
  /** More tensors, written as they are (buffers, other heads). */
  readonly extra?: Readonly<Record<string, RawTensor>>;
}

export const tempDir = (what: string): string => mkdtempSync(join(tmpdir(), `graft-hf-${what}-`));

/** Writes the folder; returns the f32 values each weight holds as stored. */
export const writeHfFolder = (dir: string, spec: FolderSpec): Record<string, Float32Array> => {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify(spec.config ?? tinyHfConfig(), null, 2));
  const stored: Record<string, Float32Array> = {};
  const tensors: Record<string, RawTensor> = {};
  for (const [n, v] of Object.entries(spec.weights)) {
    const e = encodeAs(spec.dtype ?? 'F32', v, spec.shapes[n] ?? [v.length]);
    tensors[n] = e.tensor;
    stored[n] = e.stored;
  }
  Object.assign(tensors, spec.extra ?? {});
  const shards = spec.shards ?? 1;
  if (shards === 1) {
    writeFileSync(join(dir, 'model.safetensors'), encodeSafetensors(tensors, { format: 'pt' }));
    return stored;
  }
  const names = Object.keys(tensors);
  const per = Math.ceil(names.length / shards);
  const weightMap: Record<string, string> = {};
  for (let k = 0; k < shards; k++) {
    const file = `model-${String(k + 1).padStart(5, '0')}-of-${String(shards).padStart(5, '0')}.safetensors`;
    const part = names.slice(k * per, (k + 1) * per);
    part.forEach((n) => (weightMap[n] = file));
    writeFileSync(join(dir, file), encodeSafetensors(Object.fromEntries(part.map((n) => [n, tensors[n]])), { format: 'pt' }));
  }
  const total = Object.values(tensors).reduce((s, t) => s + t.data.length, 0);
  writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: { total_size: total }, weight_map: weightMap }, null, 2));
  return stored;
};

/** A tiny BertForSequenceClassification folder in `dtype` (optionally sharded); returns the folder and its stored values. */
export const tinyFolder = (dtype: FixtureDtype = 'F32', shards = 1, what = dtype.toLowerCase()) => {
  const dir = tempDir(what);
  const model = nn.bertClassifier(tinyConfig);
  const stored = writeHfFolder(dir, { weights: tinyWeights(), shapes: nn.paramShapes(model), dtype, shards });
  return { dir, stored };
};
