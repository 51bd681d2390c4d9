// `graft import`/`graft export --hf` for GPT-2: a Hugging Face GPT-2 folder as a graft checkpoint (F32, graft's names,
// the config recorded in `graft.config`) and back; the task (LM head or sequence classifier) from the config's
// architectures or the labels asked for on the way in, from the checkpoint's `score` on the way out.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import type { ResolvedGpt2Config } from '../../nn/index.js';
import { gpt2Classifier, gpt2LMHead, paramShapes } from '../../nn/index.js';
import type { CheckpointProblem, SavedCheckpoint } from '../checkpoint/index.js';
import { loadCheckpoint, saveCheckpoint } from '../checkpoint/index.js';
import { PARAM_PREFIX, expectationProblems } from '../checkpoint/tensors.js';
import { inFile, problemAt } from '../checkpoint/problem.js';
import { decodeHfGpt2Config, hfGpt2ConfigJson } from './gpt2-hf-config.js';
import { HF_FILES, readJsonFile } from './hf-weights.js';
import type { LoadedHfGpt2 } from './load-hf-gpt2.js';
import { loadHfGpt2 } from './load-hf-gpt2.js';
import { saveHfGpt2 } from './save-hf-gpt2.js';
import type { FolderWrite } from './write-folder.js';
import { folderProblems } from './write-folder.js';

export type Gpt2Task = 'lm' | 'classifier';

const ARCHITECTURE = { lm: 'GPT2LMHeadModel', classifier: 'GPT2ForSequenceClassification' } as const;
const modelFor = (task: Gpt2Task, c: ResolvedGpt2Config) => (task === 'lm' ? gpt2LMHead(c) : gpt2Classifier(c));

/** The `model_type` of a config.json's JSON, or of the Hugging Face config a checkpoint records (undefined if none). */
export const hfModelType = (raw: unknown): string | undefined => {
  const t = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>).model_type : undefined;
  return typeof t === 'string' ? t : undefined;
};

/** `--config`: a config.json, or a model folder holding one. */
export const configFileOf = (path: string): string => (existsSync(path) && statSync(path).isDirectory() ? join(path, HF_FILES.config) : path);

/** The Hugging Face config JSON a checkpoint's `graft.config` holds, if it holds one. */
export const recordedHfConfig = (meta: { readonly config: string }): unknown => {
  try {
    return JSON.parse(meta.config) as unknown;
  } catch {
    return undefined;
  }
};

export interface ImportedHfGpt2 extends SavedCheckpoint {
  readonly model: LoadedHfGpt2;
  readonly task: Gpt2Task;
}

/** A classifier when labels are asked for or config.json names GPT2ForSequenceClassification, else the LM head. */
export const importHfGpt2 = (dir: string, file: string, options: { readonly labels?: readonly string[]; readonly seed?: number } = {}): E.Either<CheckpointProblem[], ImportedHfGpt2> => {
  const raw = readJsonFile(join(dir, HF_FILES.config));
  const architectures = E.isRight(raw) && typeof raw.right === 'object' && raw.right !== null ? (raw.right as Record<string, unknown>).architectures : undefined;
  const task: Gpt2Task = options.labels || (Array.isArray(architectures) && architectures.includes(ARCHITECTURE.classifier)) ? 'classifier' : 'lm';
  return E.chain((model: LoadedHfGpt2) => {
    const meta = { step: 0, epoch: 0, phaseDepth: 0, phaseProgress: null, generator: { seed: options.seed ?? 0, step: 0 }, config: JSON.stringify(hfGpt2ConfigJson(model.config, model.labels, ARCHITECTURE[task])) };
    const shapes = { params: paramShapes(model.model), optState: {} };
    return E.map((saved: SavedCheckpoint) => ({ ...saved, model, task }))(saveCheckpoint(file, { params: model.params, optState: {}, meta, shapes }));
  })(loadHfGpt2(dir, { task, ...options }));
};

export interface ExportedHfGpt2 extends FolderWrite {
  readonly config: ResolvedGpt2Config;
  readonly labels: readonly string[];
  readonly task: Gpt2Task;
  readonly notes: readonly string[];
}

/**
 * A graft checkpoint of a GPT-2 (its `param/` tensors; optimizer state stays behind) as a Hugging Face folder; the
 * architecture from `configPath` or the config `graft import` recorded, the task and label count from the checkpoint's
 * `score`. Every problem with the folder, the config and the checkpoint before anything is written.
 */
export const exportHfGpt2 = (checkpointFile: string, configPath: string | undefined, dir: string, force = false): E.Either<CheckpointProblem[], ExportedHfGpt2> => {
  const checkpoint = loadCheckpoint(checkpointFile);
  const configFile = configPath === undefined ? `${checkpointFile} (graft.config)` : configFileOf(configPath);
  const recorded = E.isRight(checkpoint) ? recordedHfConfig(checkpoint.right.meta) : undefined;
  const raw: E.Either<CheckpointProblem[], unknown> =
    configPath !== undefined ? readJsonFile(configFile)
    : hfModelType(recorded) === 'gpt2' ? E.right(recorded)
    : E.left(E.isLeft(checkpoint) ? [] : [inFile(checkpointFile)(problemAt(['__metadata__', 'graft.config'], 'holds no Hugging Face GPT-2 config (only `graft import` records one): give --config <config.json or model folder>'))]);
  const decoded = E.chain((r: unknown) => E.mapLeft((ps: Array<{ path: string; message: string }>) => ps.map(inFile(configFile)))(decodeHfGpt2Config(r)))(raw);
  const early = [...folderProblems(dir, Object.values(HF_FILES).slice(0, 2), force), ...(E.isLeft(decoded) ? decoded.left : []), ...(E.isLeft(checkpoint) ? checkpoint.left : [])];
  if (early.length || E.isLeft(decoded) || E.isLeft(checkpoint)) return E.left(early);
  const score = checkpoint.right.shapes.params['score.weight'];
  const task: Gpt2Task = score ? 'classifier' : 'lm';
  if (score && score.length !== 2) return E.left([inFile(checkpointFile)(problemAt(['header', `${PARAM_PREFIX}score.weight`], `[${score.join(', ')}]: expected a GPT2ForSequenceClassification's score [labels, hidden]`))]);
  const fileLabels = decoded.right.labels;
  const config: ResolvedGpt2Config = { ...decoded.right.config, numLabels: score ? score[0] : fileLabels.length };
  const relabelled = config.numLabels !== fileLabels.length;
  const labels = relabelled ? Array.from({ length: config.numLabels }, (_, i) => `LABEL_${i}`) : fileLabels;
  const problems = expectationProblems({ params: checkpoint.right.shapes.params, optState: {} }, { params: paramShapes(modelFor(task, config)) }).map(inFile(checkpointFile));
  if (problems.length) return E.left(problems);
  const notes = relabelled ? [`the checkpoint's score has ${config.numLabels} labels, ${configFile} names ${fileLabels.length}: written as ${labels.join(', ')}`] : [];
  return E.map((w: FolderWrite) => ({ ...w, config, labels, task, notes: [...notes, ...(w.kept.length ? [`left as they were in ${dir}: ${w.kept.join(', ')}`] : [])] }))(saveHfGpt2(dir, task, config, labels, checkpoint.right.params, force));
};
