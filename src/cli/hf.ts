// `graft import <hf-dir> --out <checkpoint>` and `graft export <checkpoint> --hf <dir>`: Hugging Face BERT and GPT-2
// folders in and out, told apart by config.json's model_type (on export: --config's, else the one import recorded).
import * as E from 'fp-ts/lib/Either.js';
import type { CheckpointProblem } from '../train/checkpoint/index.js';
import { join } from 'node:path';
import type { ResolvedBertConfig, ResolvedGpt2Config } from '../nn/index.js';
import type { Gpt2Task } from '../train/hf/index.js';
import { HF_FILES, exportHfBert, exportHfGpt2, hfModelType, importHfBert, importHfGpt2, recordedHfConfig } from '../train/hf/index.js';
import { loadCheckpoint } from '../train/checkpoint/index.js';
import { configFileOf } from '../train/hf/gpt2-checkpoint.js';
import { readJsonFile } from '../train/hf/hf-weights.js';
import { formatFileProblem } from './files.js';

const reportProblems = (command: string, problems: readonly CheckpointProblem[]): number => {
  problems.forEach((p) => console.error(formatFileProblem(p)));
  console.error(`graft ${command}: ${problems.length} problem${problems.length === 1 ? '' : 's'}; nothing written`);
  return 1;
};

const describeModel = (c: ResolvedBertConfig): string => `BertForSequenceClassification, ${c.numHiddenLayers} layers, hidden ${c.hiddenSize}, ${c.numLabels} labels`;
const describeGpt2 = (task: Gpt2Task, c: ResolvedGpt2Config): string =>
  task === 'lm' ? `GPT2LMHeadModel, ${c.numLayers} layers, hidden ${c.hiddenSize}` : `GPT2ForSequenceClassification, ${c.numLayers} layers, hidden ${c.hiddenSize}, ${c.numLabels} labels`;

/** model_type of a readable config.json (undefined otherwise: the BERT path then reports what is wrong with it). */
const modelTypeOfFile = (file: string): string | undefined => {
  const raw = readJsonFile(file);
  return E.isRight(raw) ? hfModelType(raw.right) : undefined;
};

/** The model type an export writes: --config's, else the config the checkpoint records. */
const exportModelType = (checkpoint: string, config: string | undefined): string | undefined => {
  if (config !== undefined) return modelTypeOfFile(configFileOf(config));
  const c = loadCheckpoint(checkpoint);
  return E.isRight(c) ? hfModelType(recordedHfConfig(c.right.meta)) : undefined;
};

export interface ExportOptions {
  readonly hf: string;
  readonly config?: string;
  readonly force?: boolean;
}

/** The exit code: 0 written, 1 with every problem printed and nothing written. */
export const runExport = (checkpoint: string, opts: ExportOptions): number => {
  if (exportModelType(checkpoint, opts.config) === 'gpt2') {
    const r = exportHfGpt2(checkpoint, opts.config, opts.hf, opts.force ?? false);
    if (E.isLeft(r)) return reportProblems('export', r.left);
    r.right.notes.forEach((n) => console.log(`note: ${n}`));
    console.log(`wrote ${r.right.dir}: config.json and model.safetensors (${describeGpt2(r.right.task, r.right.config)}, F32)`);
    return 0;
  }
  const r = exportHfBert(checkpoint, opts.config, opts.hf, opts.force ?? false);
  if (E.isLeft(r)) return reportProblems('export', r.left);
  r.right.notes.forEach((n) => console.log(`note: ${n}`));
  console.log(`wrote ${r.right.dir}: config.json and model.safetensors (${describeModel(r.right.config)}, F32)`);
  return 0;
};

export interface ImportOptions {
  readonly out: string;
  /** Comma-separated label names: a new classifier when their count differs from config.json's. */
  readonly labels?: string;
  /** Seed of a new head, as typed: an integer in [0, 2^24). */
  readonly seed?: string;
}

/** The exit code: 0 written, 1 with every problem printed and nothing written, 2 for a bad option. */
export const runImport = (dir: string, opts: ImportOptions): number => {
  const labels = opts.labels?.split(',').map((l) => l.trim());
  const seed = opts.seed === undefined ? undefined : Number(opts.seed);
  const usage = [
    ...(seed !== undefined && !(/^\d+$/.test(opts.seed!) && seed < 2 ** 24) ? [`--seed: expected an integer in [0, 2^24), got ${JSON.stringify(opts.seed)}`] : []),
    ...(labels && labels.some((l) => l === '') ? [`--labels: expected comma-separated names, got ${JSON.stringify(opts.labels)}`] : []),
  ];
  if (usage.length) {
    usage.forEach((u) => console.error(`error: ${u}`));
    return 2;
  }
  const options = { ...(labels ? { labels } : {}), ...(seed !== undefined ? { seed } : {}) };
  if (modelTypeOfFile(join(dir, HF_FILES.config)) === 'gpt2') {
    const r = importHfGpt2(dir, opts.out, options);
    if (E.isLeft(r)) return reportProblems('import', r.left);
    r.right.model.notes.forEach((n) => console.log(`note: ${n}`));
    console.log(`wrote ${r.right.file}: ${describeGpt2(r.right.task, r.right.model.config)}${r.right.task === 'classifier' ? ` (${r.right.model.labels.join(', ')})` : ''}, ${r.right.bytes} bytes`);
    return 0;
  }
  const r = importHfBert(dir, opts.out, options);
  if (E.isLeft(r)) return reportProblems('import', r.left);
  r.right.model.notes.forEach((n) => console.log(`note: ${n}`));
  console.log(`wrote ${r.right.file}: ${describeModel(r.right.model.config)} (${r.right.model.labels.join(', ')}), ${r.right.bytes} bytes`);
  return 0;
};
