// Saving graft's BERT classifier as a Hugging Face folder that from_pretrained loads: config.json and
// model.safetensors under transformers' names (graft's names are transformers' names), F32, {"format": "pt"}.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import type { ResolvedBertConfig } from '../../nn/index.js';
import { bertClassifier, paramShapes } from '../../nn/index.js';
import type { Values } from '../optimizer-runner.js';
import type { CheckpointProblem, RawTensor } from '../checkpoint/index.js';
import { encodeSafetensors, f32Tensor, loadCheckpoint } from '../checkpoint/index.js';
import { PARAM_PREFIX, expectationProblems } from '../checkpoint/tensors.js';
import { inFile, problemAt } from '../checkpoint/problem.js';
import type { HfBertConfig } from './bert-hf-config.js';
import { decodeHfBertConfig, hfBertConfigJson } from './bert-hf-config.js';
import { HF_FILES, readJsonFile } from './hf-weights.js';
import type { FolderWrite } from './write-folder.js';
import { checkedWriteFolder, folderProblems } from './write-folder.js';

/** safetensors' metadata that marks PyTorch tensors; transformers refuses a file without a format. */
export const PT_METADATA = { format: 'pt' } as const;

/** The folder's files for these parameters (every parameter of bertClassifier(config), in its order). */
export const encodeHfBert = (config: ResolvedBertConfig, labels: readonly string[], params: Values): Record<string, Uint8Array> => {
  const model = bertClassifier(config);
  const tensors: Record<string, RawTensor> = Object.fromEntries(model.params.map((p) => [p.name, f32Tensor(params[p.name], p.shape)]));
  return {
    [HF_FILES.config]: new TextEncoder().encode(`${JSON.stringify(hfBertConfigJson(config, labels), null, 2)}\n`),
    [HF_FILES.weights]: encodeSafetensors(tensors, PT_METADATA),
  };
};

/** Every parameter missing, extra or mis-shaped for bertClassifier(config), as problems of `file`. */
const paramProblems = (file: string, config: ResolvedBertConfig, shapes: Readonly<Record<string, readonly number[]>>): CheckpointProblem[] =>
  expectationProblems({ params: shapes, optState: {} }, { params: paramShapes(bertClassifier(config)) }).map(inFile(file));

/** Every parameter bertClassifier(config) lacks, has no place for, or holds another number of values of. */
const valueProblems = (config: ResolvedBertConfig, params: Values): CheckpointProblem[] => {
  const shapes = paramShapes(bertClassifier(config));
  const at = (n: string, message: string) => inFile('(parameters)')(problemAt([n], message));
  return [
    ...Object.entries(shapes).flatMap(([n, s]) => {
      const size = s.reduce((a, b) => a * b, 1);
      if (!params[n]) return [at(n, `missing: the model's parameter [${s.join(', ')}] has no values`)];
      return params[n].length === size ? [] : [at(n, `${params[n].length} values, but the model's parameter is [${s.join(', ')}] (${size})`)];
    }),
    ...Object.keys(params).filter((n) => !(n in shapes)).map((n) => at(n, 'not a parameter of the model the config describes')),
  ];
};

/** Saves graft's parameters as a Hugging Face folder; `force` writes into a non-empty folder. */
/** `extra`: more files of the folder (a tokenizer), written with the model in the same atomic write. */
export const saveHfBert = (dir: string, config: ResolvedBertConfig, labels: readonly string[], params: Values, force = false, extra: Readonly<Record<string, Uint8Array>> = {}): E.Either<CheckpointProblem[], FolderWrite> => {
  const problems = [...valueProblems(config, params), ...(labels.length === config.numLabels ? [] : [inFile('(arguments)')(problemAt(['labels'], `${labels.length} names for ${config.numLabels} labels`))])];
  return problems.length ? E.left(problems) : checkedWriteFolder(dir, { ...extra, ...encodeHfBert(config, labels, params) }, force);
};

/** `--config`: a config.json, or a model folder holding one. */
const configFileOf = (path: string): string => (existsSync(path) && statSync(path).isDirectory() ? join(path, HF_FILES.config) : path);

export interface ExportedHfBert extends FolderWrite {
  readonly config: ResolvedBertConfig;
  readonly labels: readonly string[];
  readonly notes: readonly string[];
}

/** The Hugging Face config a checkpoint written by importHfBert carries in `graft.config`, if it holds one. */
const configOfCheckpoint = (meta: { readonly config: string }): unknown => {
  try {
    const raw = JSON.parse(meta.config) as unknown;
    return typeof raw === 'object' && raw !== null && (raw as Record<string, unknown>).model_type === 'bert' ? raw : undefined;
  } catch {
    return undefined;
  }
};

/**
 * A graft checkpoint of bertClassifier (its `param/` tensors; optimizer state stays behind) as a Hugging Face folder.
 * The architecture comes from `configPath` (heads, activation and eps are not in the tensors), else from the
 * config `graft import` recorded in the checkpoint; the label count from the checkpoint's classifier. Every problem
 * with the folder, the config and the checkpoint before anything is written.
 */
export const exportHfBert = (checkpointFile: string, configPath: string | undefined, dir: string, force = false): E.Either<CheckpointProblem[], ExportedHfBert> => {
  const checkpoint = loadCheckpoint(checkpointFile);
  const configFile = configPath === undefined ? `${checkpointFile} (graft.config)` : configFileOf(configPath);
  const recorded = E.isRight(checkpoint) ? configOfCheckpoint(checkpoint.right.meta) : undefined;
  const raw: E.Either<CheckpointProblem[], unknown> =
    configPath !== undefined ? readJsonFile(configFile)
    : recorded !== undefined ? E.right(recorded)
    : E.left(E.isLeft(checkpoint) ? [] : [inFile(checkpointFile)(problemAt(['__metadata__', 'graft.config'], 'holds no Hugging Face BERT config (only `graft import` records one): give --config <config.json or model folder>'))]);
  const decoded = E.chain((r: unknown) => E.mapLeft((ps: Array<{ path: string; message: string }>) => ps.map(inFile(configFile)))(decodeHfBertConfig(r)))(raw);
  const early = [...folderProblems(dir, Object.values(HF_FILES).slice(0, 2), force), ...(E.isLeft(decoded) ? decoded.left : []), ...(E.isLeft(checkpoint) ? checkpoint.left : [])];
  if (early.length || E.isLeft(decoded) || E.isLeft(checkpoint)) return E.left(early);
  const { config: fileConfig, labels: fileLabels }: HfBertConfig = decoded.right;
  const classifier = checkpoint.right.shapes.params['classifier.weight'];
  if (!classifier || classifier.length !== 2) {
    return E.left([inFile(checkpointFile)(problemAt(['header', `${PARAM_PREFIX}classifier.weight`], `${classifier ? `[${classifier.join(', ')}]` : 'missing'}: expected a BertForSequenceClassification's classifier [labels, hidden]`))]);
  }
  const config: ResolvedBertConfig = { ...fileConfig, numLabels: classifier[0] };
  const relabelled = config.numLabels !== fileLabels.length;
  const labels = relabelled ? Array.from({ length: config.numLabels }, (_, i) => `LABEL_${i}`) : fileLabels;
  const problems = paramProblems(checkpointFile, config, checkpoint.right.shapes.params);
  if (problems.length) return E.left(problems);
  const written = checkedWriteFolder(dir, encodeHfBert(config, labels, checkpoint.right.params), force);
  const notes = relabelled ? [`the checkpoint's classifier has ${config.numLabels} labels, ${configFile} names ${fileLabels.length}: written as ${labels.join(', ')}`] : [];
  return E.map((w: FolderWrite) => ({ ...w, config, labels, notes: [...notes, ...(w.kept.length ? [`left as they were in ${dir}: ${w.kept.join(', ')}`] : [])] }))(written);
};
