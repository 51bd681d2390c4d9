// The text job's pre-trained BERT: a WordPiece vocabulary trained on Brown, then masked-language modelling on
// Brown, saved as a Hugging Face folder (config.json, model.safetensors, tokenizer.json, tokenizer_config.json)
// under the cache, so the fine-tuning half loads it as it would any checkpoint. Rebuilt when missing or unusable;
// written whole (a new folder appears only complete).
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { GENERATOR_VERSION } from '../../dsl/counter-hash.js';
import * as nn from '../../nn/index.js';
import * as o from '../../optim/index.js';
import type { Runtime } from '../../runtime/index.js';
import { encodeSafetensors, f32Tensor, formatCheckpointProblem } from '../checkpoint/index.js';
import type { LoadedHfBert } from '../hf/index.js';
import { HF_FILES, PT_METADATA, hfBertConfigJson, loadHfBert } from '../hf/index.js';
import { writeFolder } from '../hf/write-folder.js';
import { packTokenRows } from '../data/token-rows.js';
import { loadBrown } from './brown.js';
import { trainWordPiece, wordCounts } from './wordpiece-train.js';
import { BERT_SPECIALS, wordPieceTokenizerConfig, wordPieceTokenizerJson } from './wordpiece-json.js';
import { textTokenizer } from './tokenizer.js';
import { packSentences } from './pack-sentences.js';
import { pretrainMlm } from './pretrain-mlm.js';

export interface PretrainConfig {
  readonly vocabSize: number;
  readonly hidden: number;
  readonly layers: number;
  readonly heads: number;
  readonly intermediate: number;
  /** Tokens per pre-training sequence (and the model's positions). */
  readonly seqLength: number;
  /** Brown sentences pre-training reads, from the first file on; 0 = all (57,340). */
  readonly pretrainSentences: number;
  readonly pretrainEpochs: number;
  readonly pretrainBatch: number;
  readonly pretrainLr: number;
  readonly stepsPerCall: number;
  readonly padMultiple: number;
}

/** The cache folder's name: everything the weights depend on, and the generator that draws them. */
// a job's config holds fine-tuning settings too: only these fields (stepsPerCall changes no number) are keyed
export const pretrainKey = (c: PretrainConfig): string => {
  const fields: ReadonlyArray<keyof PretrainConfig> = ['vocabSize', 'hidden', 'layers', 'heads', 'intermediate', 'seqLength', 'pretrainSentences', 'pretrainEpochs', 'pretrainBatch', 'pretrainLr', 'padMultiple'];
  return createHash('sha256').update(JSON.stringify({ v: 1, generator: GENERATOR_VERSION, ...Object.fromEntries(fields.map((k) => [k, c[k]])) })).digest('hex').slice(0, 12);
};

const orThrow = <L, A>(what: string, e: E.Either<L, A>): A => {
  if (E.isLeft(e)) throw new Error(`${what}: ${JSON.stringify(e.left)}`);
  return e.right;
};

/** The labels the pre-trained folder's config.json names (its head is MLM's: a classifier gets a new one). */
export const PRETRAINED_LABELS = ['LABEL_0', 'LABEL_1'] as const;

/** The model config the pre-trained folder's config.json records. */
export const pretrainBertConfig = (c: PretrainConfig, vocabSize: number): nn.ResolvedBertConfig =>
  nn.resolveBertConfig({ vocabSize, hiddenSize: c.hidden, numHiddenLayers: c.layers, numAttentionHeads: c.heads, intermediateSize: c.intermediate, maxPositionEmbeddings: c.seqLength, numLabels: 2, padTokenId: 0 });

/** Trains the tokenizer and the MLM model on Brown; the folder's files. */
const pretrainFiles = async (rt: Runtime, c: PretrainConfig, log: (s: string) => void): Promise<Record<string, Uint8Array>> => {
  const all = loadBrown();
  const sentences = c.pretrainSentences > 0 ? all.slice(0, c.pretrainSentences) : all;
  let t0 = performance.now();
  const vocab = trainWordPiece(wordCounts(sentences), { vocabSize: c.vocabSize });
  const tokenizerJson = wordPieceTokenizerJson(vocab);
  const tokenizerConfig = wordPieceTokenizerConfig(c.seqLength);
  const tok = orThrow('tokenizer', textTokenizer(tokenizerJson, tokenizerConfig));
  const encodings = packSentences(tok, sentences, c.seqLength);
  const rows = orThrow('pre-training rows', packTokenRows(encodings, c.seqLength, tok.padId));
  const train = { inputs: rows, labels: new Int32Array(encodings.length), count: encodings.length, lengths: Int32Array.from(encodings, (e) => e.inputIds.length) };
  const tokens = train.lengths.reduce((a, b) => a + b, 0);
  log(`WordPiece vocabulary of ${vocab.length} trained on ${sentences.length} Brown sentences; ${encodings.length} sequences of up to ${c.seqLength} tokens (${tokens} tokens) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const config = pretrainBertConfig(c, vocab.length);
  const model = nn.bertForMaskedLM(config);
  const steps = c.pretrainEpochs * Math.floor(train.count / c.pretrainBatch);
  const transform = o.chain(o.clipByGlobalNorm(1), o.adamw(o.linearWarmupDecay({ peak: c.pretrainLr, warmupRatio: 0.1, total: Math.max(1, steps) }), { weightDecay: 0.01 }));
  t0 = performance.now();
  const specialIds = new Set(BERT_SPECIALS.map((t) => tok.library.token_to_id(t)!));
  const res = await pretrainMlm(rt, {
    model, transform, features: [3, c.seqLength], masking: { maskId: tok.maskId, vocabSize: vocab.length, specialIds },
    epochs: c.pretrainEpochs, batchSize: c.pretrainBatch, seed: 0, stepsPerCall: c.stepsPerCall, padMultiple: c.padMultiple, progress: 'pre-train (MLM)',
  }, nn.initParams(model, 0), train, (r) => log(`pre-training epoch ${r.epoch}: MLM loss ${r.loss.toFixed(3)}, masked-token accuracy ${(r.accuracy * 100).toFixed(1)}% in ${r.seconds.toFixed(1)} s`));
  log(`pre-trained a ${c.layers}-layer BERT (hidden ${c.hidden}) by MLM on Brown in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const configJson = { ...hfBertConfigJson(config, PRETRAINED_LABELS), architectures: ['BertForMaskedLM'] };
  const tensors = Object.fromEntries(model.params.map((p) => [p.name, f32Tensor(res.params[p.name], p.shape)]));
  const json = (v: unknown) => new TextEncoder().encode(`${JSON.stringify(v, null, 2)}\n`);
  return {
    [HF_FILES.config]: json(configJson),
    [HF_FILES.weights]: encodeSafetensors(tensors, PT_METADATA),
    [HF_FILES.tokenizer]: json(tokenizerJson),
    [HF_FILES.tokenizerConfig]: json(tokenizerConfig),
  };
};

/** The pre-trained folder's place under `cacheDir` (graft text's and a config's `model: text-bert` alike). */
export const pretrainedDir = (cacheDir: string, c: PretrainConfig): string => join(cacheDir, `text-bert-${pretrainKey(c)}`);

/** The pre-trained folder under `cacheDir` (built first when missing or unusable), loaded as a classifier for `labels`. */
export const pretrainedBert = async (rt: Runtime, c: PretrainConfig, cacheDir: string, labels: readonly string[], seed: number, log: (s: string) => void): Promise<{ dir: string; loaded: LoadedHfBert }> => {
  const dir = pretrainedDir(cacheDir, c);
  if (existsSync(dir)) {
    const loaded = loadHfBert(dir, { labels, seed });
    if (E.isRight(loaded)) {
      log(`pre-trained BERT: ${dir} (cached)`);
      return { dir, loaded: loaded.right };
    }
    log(`pre-trained cache ${dir} is unusable, rebuilding: ${loaded.left.map(formatCheckpointProblem).join('; ')}`);
  }
  writeFolder(dir, await pretrainFiles(rt, c, log));
  log(`saved the pre-trained model and its tokenizer as a Hugging Face folder: ${dir}`);
  return { dir, loaded: orThrow(`loading ${dir}`, loadHfBert(dir, { labels, seed })) };
};
