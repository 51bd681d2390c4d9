// `graft finetune --config` for a user's own text: a config naming an HF BERT folder (with its tokenizer.json),
// JSONL/CSV train and eval files, the method, an optional FTS schedule file, and the output. Decoded at the edge:
// every problem (the config's keys, the model folder, the tokenizer against the model, every data line, the
// schedule against the model) reported at once, before anything runs.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import * as nn from '../../nn/index.js';
import type { ResolvedPhase } from '../../optim/phases/index.js';
import { checkSchedule, formatProblem, parseSchedule } from '../../optim/phases/index.js';
import type { LoadedHfBert } from '../hf/index.js';
import { loadHfBert } from '../hf/index.js';
import { formatCheckpointProblem } from '../checkpoint/index.js';
import type { Method } from '../mnist-job.js';
import { METHODS } from '../mnist-job.js';
import type { LabelledText } from './labelled-texts.js';
import { readLabelledTexts } from './labelled-texts.js';
import type { TextTokenizer } from './tokenizer.js';
import { textTokenizer } from './tokenizer.js';
import { BUILTIN_TEXTS, builtinLabels, builtinTexts, isBuiltinTexts } from './builtin-texts.js';
import { DEFAULT_TEXT_JOB } from './text-job.js';
import type { PretrainConfig } from './pretrained-bert.js';
import { PRETRAINED_LABELS } from './pretrained-bert.js';
import { BUILTIN_MODELS, builtinModelFolder, builtinModelShape, decodePretrain, isBuiltinModel } from './builtin-models.js';

export interface TextFinetuneSettings {
  readonly model: string;
  /** JSONL/CSV files, or (`data`) a built-in set: its seed's `labelled` examples to train on and `heldOut` to evaluate. */
  readonly train?: string;
  readonly eval?: string;
  readonly data?: string;
  readonly labelled: number;
  readonly heldOut: number;
  readonly textColumn: string;
  readonly labelColumn: string;
  /** The labels in id order; default the model's id2label. */
  readonly labels?: readonly string[];
  readonly method: Method;
  readonly schedule?: string;
  readonly epochs: number;
  readonly batchSize: number;
  readonly lr: number;
  readonly reserveP: number;
  readonly seqLength: number;
  readonly seed: number;
  readonly out: string;
}

export interface TextFinetuneJob {
  readonly settings: TextFinetuneSettings;
  /** The model's folder: the config's, or a built-in's in the cache. */
  readonly modelDir: string;
  readonly model: LoadedHfBert;
  readonly tokenizer: TextTokenizer;
  readonly train: readonly LabelledText[];
  readonly eval: readonly LabelledText[];
  /** The schedule file's phases, resolved against the model (scheduled method only). */
  readonly phases?: readonly ResolvedPhase[];
}

/** A config whose built-in model is not built yet: checked against what it will be; run builds it, then resolves again. */
export interface TextFinetuneBuild {
  readonly settings: TextFinetuneSettings;
  readonly build: { readonly pretrain: PretrainConfig; readonly cacheDir: string; readonly labels: readonly string[] };
}

export const needsBuild = (j: TextFinetuneJob | TextFinetuneBuild): j is TextFinetuneBuild => 'build' in j;

export interface ConfigProblem {
  readonly file: string;
  readonly path: string;
  readonly message: string;
}

const DEFAULTS = { textColumn: 'text', labelColumn: 'label', method: 'full', epochs: 3, batchSize: 16, lr: 5e-5, reserveP: 0.3, seqLength: 128, seed: 1, out: 'runs', labelled: DEFAULT_TEXT_JOB.labelled, heldOut: DEFAULT_TEXT_JOB.heldOut } as const;
const KEYS = ['model', 'pretrain', 'train', 'eval', 'data', 'labels', 'schedule', ...Object.keys(DEFAULTS)];
const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === 'object' && u !== null && !Array.isArray(u);
const show = (u: unknown) => JSON.stringify(u) ?? String(u);

/** A text config is one that names a model. */
export const isTextConfig = (raw: unknown): raw is Record<string, unknown> => isRecord(raw) && 'model' in raw;

/** Every problem of `raw` (the config `file` holds; paths inside it resolve from its folder), or the job. */
export const resolveTextFinetune = (raw: Record<string, unknown>, file: string): E.Either<ConfigProblem[], TextFinetuneJob | TextFinetuneBuild> => {
  const problems: ConfigProblem[] = [];
  const bad = (path: string, message: string) => problems.push({ file, path, message });
  const here = dirname(file);
  for (const k of Object.keys(raw)) if (!KEYS.includes(k)) bad(k, `unknown key (known: ${KEYS.join(', ')})`);
  const path = (k: 'model' | 'train' | 'eval' | 'schedule', required: boolean): string | undefined => {
    const v = raw[k];
    if (v === undefined && !required) return undefined;
    if (typeof v !== 'string' || v === '') return void bad(k, `expected a path, got ${show(v)}`);
    const p = resolve(here, v);
    if (!existsSync(p)) return void bad(k, `${p} does not exist`);
    return p;
  };
  // a built-in model (by name) stands for a folder in the cache, there or still to build
  const builtinModel = isBuiltinModel(raw.model);
  const pretrain = decodePretrain(raw.pretrain);
  if (E.isLeft(pretrain)) pretrain.left.forEach((p) => bad(`pretrain${p.path}`, p.message));
  if ('pretrain' in raw && !builtinModel) bad('pretrain', `pre-training settings are for a built-in model (${BUILTIN_MODELS.join(', ')}); model is ${show(raw.model)}`);
  const out = typeof raw.out === 'string' && raw.out !== '' ? raw.out : DEFAULTS.out;
  const folder = builtinModel && E.isRight(pretrain) ? builtinModelFolder(out, pretrain.right) : undefined;
  const model = builtinModel ? (folder?.built ? folder.dir : undefined) : path('model', true);
  // a built-in set stands for both files
  const builtin = 'data' in raw ? raw.data : undefined;
  if (builtin !== undefined && !isBuiltinTexts(builtin)) bad('data', `${show(builtin)} is not a built-in set (${BUILTIN_TEXTS.join(', ')}); your own files go in train and eval`);
  if (builtin !== undefined) (['train', 'eval'] as const).filter((k) => k in raw).forEach((k) => bad(k, `give data (a built-in set) or train and eval (your files), not both`));
  else (['labelled', 'heldOut'] as const).filter((k) => k in raw).forEach((k) => bad(k, `sizes a built-in set: give data too`));
  const train = builtin === undefined ? path('train', true) : undefined;
  const evalFile = builtin === undefined ? path('eval', true) : undefined;
  const schedule = path('schedule', false);
  const int = (k: string, min: number) => (Number.isSafeInteger(raw[k] ?? (DEFAULTS as Record<string, unknown>)[k]) && ((raw[k] ?? (DEFAULTS as Record<string, unknown>)[k]) as number) >= min) || bad(k, `expected an integer >= ${min}, got ${show(raw[k])}`);
  (['epochs', 'batchSize', 'seqLength', 'labelled', 'heldOut'] as const).forEach((k) => int(k, k === 'seqLength' ? 3 : 1));
  int('seed', 0);
  if ('lr' in raw && !(typeof raw.lr === 'number' && raw.lr > 0)) bad('lr', `expected a number > 0, got ${show(raw.lr)}`);
  if ('reserveP' in raw && !(typeof raw.reserveP === 'number' && raw.reserveP > 0 && raw.reserveP <= 1)) bad('reserveP', `expected a number in (0, 1], got ${show(raw.reserveP)}`);
  if ('method' in raw && !METHODS.includes(raw.method as Method)) bad('method', `${show(raw.method)} is not a method (${METHODS.join(', ')})`);
  for (const k of ['textColumn', 'labelColumn', 'out']) if (k in raw && (typeof raw[k] !== 'string' || raw[k] === '')) bad(k, `expected a non-empty string, got ${show(raw[k])}`);
  if ('labels' in raw && !(Array.isArray(raw.labels) && raw.labels.length > 0 && raw.labels.every((l) => typeof l === 'string'))) bad('labels', `expected a non-empty list of label names, got ${show(raw.labels)}`);
  const settings = { ...DEFAULTS, ...raw } as unknown as TextFinetuneSettings;
  if (schedule && settings.method !== 'scheduled') bad('schedule', `a schedule is for the scheduled method; method is ${show(settings.method)}`);

  // the model folder, its tokenizer checked against it (loadHfBert), and the tokenizer in use
  let loaded: LoadedHfBert | undefined;
  let tokenizer: TextTokenizer | undefined;
  // a built-in set's labels, unless the config names others: a new head when they differ from the model's
  const labels = Array.isArray(raw.labels) && raw.labels.every((l) => typeof l === 'string') && raw.labels.length ? (raw.labels as string[]) : isBuiltinTexts(builtin) ? [...builtinLabels(builtin)] : undefined;
  // a built-in model not built yet: checked against what it will be (its tokenizer is built to fit it)
  const toBuild = folder && !folder.built && E.isRight(pretrain) ? builtinModelShape(pretrain.right, labels) : undefined;
  if (toBuild && Number.isSafeInteger(settings.seqLength) && settings.seqLength > toBuild.maxPositionEmbeddings) bad('seqLength', `${settings.seqLength} tokens, more than the model's ${toBuild.maxPositionEmbeddings} positions`);
  if (model) {
    const l = loadHfBert(model, { ...(labels ? { labels } : {}), seed: settings.seed });
    if (E.isLeft(l)) l.left.forEach((p) => problems.push({ file: p.file, path: p.path, message: p.message }));
    else loaded = l.right;
    const tokFile = join(model, 'tokenizer.json');
    if (!existsSync(tokFile)) bad('model', `${model} has no tokenizer.json: graft needs the model's own tokenizer to encode text`);
    else {
      const cfgFile = join(model, 'tokenizer_config.json');
      const t = textTokenizer(JSON.parse(readFileSync(tokFile, 'utf8')), existsSync(cfgFile) ? JSON.parse(readFileSync(cfgFile, 'utf8')) : {});
      if (E.isLeft(t)) t.left.forEach((m) => problems.push({ file: tokFile, path: '(file)', message: m }));
      else tokenizer = t.right;
    }
    if (loaded && Number.isSafeInteger(settings.seqLength) && settings.seqLength > loaded.config.maxPositionEmbeddings) bad('seqLength', `${settings.seqLength} tokens, more than the model's ${loaded.config.maxPositionEmbeddings} positions`);
  }
  // every line of the data against the model's labels
  // a built-in model's labels do not depend on its pre-training settings: data is checked even when those are wrong
  const modelLabels = loaded?.labels ?? toBuild?.labels ?? (builtinModel && !folder?.built ? (labels ?? [...PRETRAINED_LABELS]) : undefined);
  const columns = modelLabels && { text: settings.textColumn, label: settings.labelColumn, labels: modelLabels };
  const read = (f: string | undefined) => {
    if (!f || !columns) return undefined;
    const r = readLabelledTexts(f, columns);
    if (E.isLeft(r)) problems.push(...r.left);
    return E.isRight(r) ? r.right : undefined;
  };
  let trainSet = read(train);
  let evalSet = read(evalFile);
  const sized = (['labelled', 'heldOut'] as const).every((k) => Number.isSafeInteger(settings[k]) && settings[k] >= 1) && Number.isSafeInteger(settings.seed);
  if (isBuiltinTexts(builtin) && modelLabels && sized) {
    const texts = builtinTexts(builtin, settings, settings.seed, modelLabels);
    if (E.isLeft(texts)) texts.left.forEach((p) => bad(p.path, p.message));
    else ({ train: trainSet, eval: evalSet } = texts.right);
  }
  if (trainSet && Number.isSafeInteger(settings.batchSize) && trainSet.length < settings.batchSize) bad('batchSize', `${settings.batchSize} is more than the ${trainSet.length} training examples`);
  // the schedule against the model's parameters
  let phases: readonly ResolvedPhase[] | undefined;
  const spec = loaded ? nn.modelSpec(nn.bertClassifier(loaded.config)) : toBuild?.spec;
  if (schedule && spec) {
    const parsed = parseSchedule(readFileSync(schedule, 'utf8'));
    const checked = E.chain((s: Parameters<typeof checkSchedule>[0]) => checkSchedule(s, spec))(parsed);
    if (E.isLeft(checked)) checked.left.forEach((p) => problems.push({ file: schedule, path: p.path, message: formatProblem(p) }));
    else phases = checked.right.phases;
  }
  if (!problems.length && toBuild && folder && E.isRight(pretrain) && trainSet && evalSet) return E.right({ settings, build: { pretrain: pretrain.right, cacheDir: folder.cacheDir, labels: toBuild.labels } });
  if (problems.length || !loaded || !tokenizer || !trainSet || !evalSet) return E.left(problems.length ? problems : [{ file, path: '(file)', message: 'incomplete' }]);
  return E.right({ settings, modelDir: model!, model: loaded, tokenizer, train: trainSet, eval: evalSet, ...(phases ? { phases } : {}) });
};

export const formatConfigProblem = (p: ConfigProblem): string => formatCheckpointProblem(p);
