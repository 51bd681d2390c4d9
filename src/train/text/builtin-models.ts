// Models graft builds itself (`model: text-bert` in a `graft finetune --config` text config): graft text's BERT
// pre-trained on Brown, at graft text's place in the cache (same key), built when missing. A config may change its
// pre-training settings (`pretrain:`, as graft text's --settings names them); what checks need before it is built
// (its labels, positions and parameter names) comes from those settings alone.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import * as nn from '../../nn/index.js';
import type { PretrainConfig } from './pretrained-bert.js';
import { PRETRAINED_LABELS, pretrainBertConfig, pretrainedDir } from './pretrained-bert.js';
import type { SettingProblem } from './text-settings.js';
import { decodeTextSettings } from './text-settings.js';
import { DEFAULT_TEXT_JOB } from './text-job.js';

export const BUILTIN_MODELS = ['text-bert'] as const;
export type BuiltinModel = (typeof BUILTIN_MODELS)[number];
export const isBuiltinModel = (u: unknown): u is BuiltinModel => BUILTIN_MODELS.includes(u as BuiltinModel);

/** graft text's settings that its pre-trained model depends on (stepsPerCall changes no number but sets the pace). */
export const PRETRAIN_KEYS = ['vocabSize', 'hidden', 'layers', 'heads', 'intermediate', 'seqLength', 'pretrainSentences', 'pretrainEpochs', 'pretrainBatch', 'pretrainLr', 'padMultiple', 'stepsPerCall'] as const;

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === 'object' && u !== null && !Array.isArray(u);

/** `pretrain:` decoded over graft text's defaults, every problem (path inside `pretrain`) at once. */
export const decodePretrain = (raw: unknown): E.Either<SettingProblem[], PretrainConfig> => {
  if (raw === undefined) return E.right(DEFAULT_TEXT_JOB);
  if (!isRecord(raw)) return E.left([{ path: '', message: `expected a mapping of graft text's pre-training settings (${PRETRAIN_KEYS.join(', ')}), got ${JSON.stringify(raw)}` }]);
  const problems: SettingProblem[] = Object.keys(raw).filter((k) => !(PRETRAIN_KEYS as readonly string[]).includes(k)).map((k) => ({ path: `.${k}`, message: `not a pre-training setting (settings: ${PRETRAIN_KEYS.join(', ')})` }));
  const known = Object.fromEntries(Object.entries(raw).filter(([k]) => (PRETRAIN_KEYS as readonly string[]).includes(k)));
  // graft text's own checks; those about its fine-tuning settings (defaults here) are not this config's
  const decoded = decodeTextSettings(known);
  if (E.isLeft(decoded)) problems.push(...decoded.left.filter((p) => (PRETRAIN_KEYS as readonly string[]).includes(p.path.split('.')[0])).map((p) => ({ ...p, path: `.${p.path}` })));
  if (problems.length) return E.left(problems);
  return E.right({ ...DEFAULT_TEXT_JOB, ...known } as PretrainConfig);
};

/** The built-in model's folder for settings `c` under the runs root `out` (graft text's `<out>/cache`), and whether it is there yet. */
export const builtinModelFolder = (out: string, c: PretrainConfig): { dir: string; cacheDir: string; built: boolean } => {
  const cacheDir = join(out, 'cache');
  const dir = pretrainedDir(cacheDir, c);
  return { dir, cacheDir, built: existsSync(dir) };
};

/** What the checks of a config need from the model before it is built: its labels, positions and parameters' spec. */
export const builtinModelShape = (c: PretrainConfig, labels?: readonly string[]) => {
  const config = { ...pretrainBertConfig(c, c.vocabSize), numLabels: (labels ?? PRETRAINED_LABELS).length };
  return { labels: labels ?? [...PRETRAINED_LABELS], maxPositionEmbeddings: config.maxPositionEmbeddings, spec: nn.modelSpec(nn.bertClassifier(config)) };
};
