// `graft text --settings file.json`: changes to the text job's defaults, decoded at the edge; every problem (an
// unknown key, a value of the wrong kind, sizes that do not fit together) named at once, before anything runs.
import * as E from 'fp-ts/lib/Either.js';
import type { Method } from '../mnist-job.js';
import { METHODS } from '../mnist-job.js';
import type { TextJobConfig } from './text-job.js';
import { DEFAULT_TEXT_JOB } from './text-job.js';

export interface SettingProblem {
  readonly path: string;
  readonly message: string;
}

const INTEGERS = ['vocabSize', 'hidden', 'layers', 'heads', 'intermediate', 'seqLength', 'pretrainEpochs', 'pretrainBatch', 'stepsPerCall', 'padMultiple', 'finetuneSeq', 'labelled', 'validation', 'heldOut', 'batchSize', 'finetuneEpochs', 'schedulePatience'] as const;
const RATES = ['pretrainLr', 'lr'] as const;
/** Mails in the corpus: what held-out, validation and labelled sets share. */
export const SPAM_ASSASSIN_COUNT = 6046;

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === 'object' && u !== null && !Array.isArray(u);
const show = (u: unknown) => JSON.stringify(u) ?? String(u);

export const decodeTextSettings = (raw: unknown, base: TextJobConfig = DEFAULT_TEXT_JOB): E.Either<SettingProblem[], TextJobConfig> => {
  if (!isRecord(raw)) return E.left([{ path: '(file)', message: `expected a JSON object of settings, got ${show(raw)}` }]);
  const problems: SettingProblem[] = [];
  const known = new Set<string>([...INTEGERS, ...RATES, 'pretrainSentences', 'reserveP', 'scheduleLayers', 'scheduleThawEpochs', 'scheduleLr', 'seeds', 'methods']);
  for (const k of Object.keys(raw)) if (!known.has(k)) problems.push({ path: k, message: `not a setting of the text job (settings: ${[...known].join(', ')})` });
  for (const k of INTEGERS) if (k in raw && !(Number.isSafeInteger(raw[k]) && (raw[k] as number) >= 1)) problems.push({ path: k, message: `expected an integer >= 1, got ${show(raw[k])}` });
  if ('pretrainSentences' in raw && !(Number.isSafeInteger(raw.pretrainSentences) && (raw.pretrainSentences as number) >= 0)) problems.push({ path: 'pretrainSentences', message: `expected an integer >= 0 (0: all of Brown), got ${show(raw.pretrainSentences)}` });
  for (const k of RATES) if (k in raw && !(typeof raw[k] === 'number' && (raw[k] as number) > 0 && Number.isFinite(raw[k]))) problems.push({ path: k, message: `expected a number > 0, got ${show(raw[k])}` });
  if ('scheduleLayers' in raw && !(Number.isSafeInteger(raw.scheduleLayers) && (raw.scheduleLayers as number) >= 0)) problems.push({ path: 'scheduleLayers', message: `expected an integer >= 0 (0: FTS's generated schedule, two parameters a phase), got ${show(raw.scheduleLayers)}` });
  if ('scheduleThawEpochs' in raw && !(Number.isSafeInteger(raw.scheduleThawEpochs) && (raw.scheduleThawEpochs as number) >= 0)) problems.push({ path: 'scheduleThawEpochs', message: `expected an integer >= 0 (0: phases end by early stopping only), got ${show(raw.scheduleThawEpochs)}` });
  if ('scheduleLr' in raw && !(typeof raw.scheduleLr === 'number' && raw.scheduleLr >= 0 && Number.isFinite(raw.scheduleLr))) problems.push({ path: 'scheduleLr', message: `expected a number >= 0 (0: lr), got ${show(raw.scheduleLr)}` });
  if ('reserveP' in raw && !(typeof raw.reserveP === 'number' && raw.reserveP > 0 && raw.reserveP <= 1)) problems.push({ path: 'reserveP', message: `expected a number in (0, 1], got ${show(raw.reserveP)}` });
  if ('seeds' in raw && !(Array.isArray(raw.seeds) && raw.seeds.length > 0 && raw.seeds.every((s) => Number.isSafeInteger(s) && s >= 0))) problems.push({ path: 'seeds', message: `expected a non-empty list of integers >= 0, got ${show(raw.seeds)}` });
  if ('methods' in raw) {
    const ms = raw.methods;
    if (!Array.isArray(ms) || ms.length === 0) problems.push({ path: 'methods', message: `expected a non-empty list of ${METHODS.join(', ')}, got ${show(ms)}` });
    else ms.forEach((m, i) => METHODS.includes(m as Method) || problems.push({ path: `methods.${i}`, message: `${show(m)} is not a method (${METHODS.join(', ')})` }));
  }
  // the checks across settings run on every setting that decoded, so they are reported with the rest
  const bad = new Set(problems.map((p) => p.path.split('.')[0]));
  const c = { ...base, ...Object.fromEntries(Object.entries(raw).filter(([k]) => !bad.has(k))) } as TextJobConfig;
  if (c.hidden % c.heads !== 0) problems.push({ path: 'heads', message: `${c.heads} heads do not divide hidden ${c.hidden}` });
  if (c.finetuneSeq > c.seqLength) problems.push({ path: 'finetuneSeq', message: `${c.finetuneSeq} tokens, more than the model's ${c.seqLength} positions (seqLength)` });
  if (c.labelled + c.validation + c.heldOut > SPAM_ASSASSIN_COUNT) problems.push({ path: 'labelled', message: `labelled ${c.labelled} + validation ${c.validation} + heldOut ${c.heldOut} is more than the corpus's ${SPAM_ASSASSIN_COUNT} mails` });
  if (c.batchSize > c.labelled) problems.push({ path: 'batchSize', message: `${c.batchSize} is more than the ${c.labelled} labelled mails: no full batch to train on` });
  if (c.vocabSize < 100) problems.push({ path: 'vocabSize', message: `${c.vocabSize} is too small to hold the specials and Brown's characters (at least 100)` });
  return problems.length ? E.left(problems) : E.right(c);
};
