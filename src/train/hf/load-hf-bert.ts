// Loading a Hugging Face BERT folder (config.json + safetensors weights) as graft's bertClassifier and its
// parameters: what from_pretrained does for BertForSequenceClassification, with every problem reported at once,
// and the folder's tokenizer.json, if any, checked against the model.
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { GPUJS_MAX_ELEMENTS, WASM_MAX_ELEMENTS } from '../../runtime/tensor-limits.js';
import type { ResolvedBertConfig, Structure } from '../../nn/index.js';
import { bertClassifier, initValues } from '../../nn/index.js';
import type { CheckpointProblem } from '../checkpoint/index.js';
import { inFile, problemAt } from '../checkpoint/problem.js';
import type { HfBertConfig } from './bert-hf-config.js';
import { decodeHfBertConfig } from './bert-hf-config.js';
import type { HfWeights } from './hf-weights.js';
import { HF_FILES, readHfWeights, readJsonFile } from './hf-weights.js';
import { matchBertWeights } from './bert-weights.js';
import { folderTokenizerProblems } from './tokenizer-check.js';

export interface LoadHfBertOptions {
  /** The classifier's label names; a count other than config.json's gives a new, freshly initialised head. */
  readonly labels?: readonly string[];
  /** Seed of the fresh head's initialisation (graft's initValues, N(0, initializer_range) and zero biases). */
  readonly seed?: number;
}

export interface LoadedHfBert {
  readonly config: ResolvedBertConfig;
  readonly labels: readonly string[];
  /** Every parameter of bertClassifier(config), in its order, as f32. */
  readonly params: Record<string, Float32Array>;
  /** What a user should know: fresh head parameters, unused tensors, config fields graft ignores. */
  readonly notes: readonly string[];
}

/** Backends a parameter can be too large for, with their limits (runtime/tensor-limits.ts). */
const LIMITED: ReadonlyArray<readonly [string, number]> = [['the gpu.js backends (webasm, cpu) refuse', GPUJS_MAX_ELEMENTS], ['the wasm backend refuses', WASM_MAX_ELEMENTS]];

/** Parameters past a backend's tensor limit (bert-base's word embeddings are past gpu.js's 2^24): loaded, but that backend refuses programs that take them. */
export const oversizedNote = (model: Structure): string[] =>
  LIMITED.flatMap(([who, max]) => {
    const big = model.params.filter((p) => p.shape.reduce((a, b) => a * b, 1) > max);
    const one = big.length === 1;
    return big.length ? [`${big.map((p) => `${p.name} [${p.shape.join(', ')}]`).join(', ')} exceed${one ? 's' : ''} ${max} elements: ${who} programs that take ${one ? 'it' : 'them'} (the webgpu backend's limit is its adapter's)`] : [];
  });

const readConfig = (file: string): E.Either<CheckpointProblem[], HfBertConfig> =>
  E.chain((raw: unknown) => E.mapLeft((ps: Array<{ path: string; message: string }>) => ps.map(inFile(file)))(decodeHfBertConfig(raw)))(readJsonFile(file));

export const loadHfBert = (dir: string, options: LoadHfBertOptions = {}): E.Either<CheckpointProblem[], LoadedHfBert> => {
  const configFile = join(dir, HF_FILES.config);
  const decoded = readConfig(configFile);
  const weights = readHfWeights(dir);
  if (E.isLeft(decoded) || E.isLeft(weights)) return E.left([decoded, weights].flatMap((e: E.Either<CheckpointProblem[], unknown>) => (E.isLeft(e) ? e.left : [])));
  const { config: fileConfig, labels: fileLabels, ignored } = decoded.right;
  if (options.labels?.length === 0) return E.left([inFile('(arguments)')(problemAt(['labels'], 'no label names: a classifier needs at least one label'))]);
  const labels = options.labels ?? fileLabels;
  const newHead = labels.length !== fileConfig.numLabels;
  const config: ResolvedBertConfig = { ...fileConfig, numLabels: labels.length };
  const model = bertClassifier(config);
  const replace = new Set(newHead ? model.params.filter((p) => p.name.startsWith('classifier.')).map((p) => p.name) : []);
  const matched = matchBertWeights(model, weights.right, replace);
  const tokenizer = folderTokenizerProblems(dir, fileConfig);
  if (tokenizer.length || E.isLeft(matched)) return E.left([...(E.isLeft(matched) ? matched.left : []), ...tokenizer]);
  return E.map(({ params, fresh, unused }: { params: Record<string, Float32Array>; fresh: readonly string[]; unused: readonly string[] }) => {
    const init = new Map(model.params.map((p) => [p.name, p]));
    const all = Object.fromEntries(model.params.map((p) => [p.name, params[p.name] ?? initValues(p.init, p.shape, options.seed ?? 0, p.name)]));
    const notes = [
      ...(newHead ? [`a new classifier for ${labels.length} labels (${configFile} has ${fileConfig.numLabels})`] : []),
      ...(fresh.length ? [`newly initialised (not in ${(weights.right as HfWeights).file}): ${fresh.map((n) => `${n} ${JSON.stringify(init.get(n)?.shape)}`).join(', ')}`] : []),
      ...(unused.length ? [`not used (another task's head): ${unused.join(', ')}`] : []),
      ...(ignored.length ? [`${configFile}: fields graft does not read: ${ignored.join(', ')}`] : []),
      ...oversizedNote(model),
    ];
    return { config, labels, params: all, notes };
  })(matched);
};
