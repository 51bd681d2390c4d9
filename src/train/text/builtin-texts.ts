// Labelled text sets graft ships (`data: spam-assassin` in a `graft finetune --config` text config): a seed's small
// labelled training set and the held-out mail, drawn as `graft text` draws them, labels by name into the model's set.
import * as E from 'fp-ts/lib/Either.js';
import type { LabelledText } from './labelled-texts.js';
import { SPAM_LABELS, readMail, spamAssassinFiles } from './spam-assassin.js';
import { spamSplits } from './spam-splits.js';
import { SPAM_ASSASSIN_COUNT } from './text-settings.js';
import { DEFAULT_TEXT_JOB } from './text-job.js';

export const BUILTIN_TEXTS = ['spam-assassin'] as const;
export type BuiltinTexts = (typeof BUILTIN_TEXTS)[number];

export const isBuiltinTexts = (u: unknown): u is BuiltinTexts => BUILTIN_TEXTS.includes(u as BuiltinTexts);

/** Each built-in set's labels, in its own id order. */
export const builtinLabels = (_name: BuiltinTexts): readonly string[] => SPAM_LABELS;

export interface BuiltinSizes {
  /** Labelled training examples (drawn per seed). */
  readonly labelled: number;
  /** Held-out evaluation examples (the same for every seed). */
  readonly heldOut: number;
}

/** Why `sizes` and the model's `labels` do not fit the set (each with the config key it is about); [] when they do. */
const builtinProblems = (name: BuiltinTexts, sizes: BuiltinSizes, labels: readonly string[]): Array<{ path: string; message: string }> => {
  const problems: Array<{ path: string; message: string }> = [];
  const missing = builtinLabels(name).filter((l) => !labels.includes(l));
  if (missing.length) problems.push({ path: 'data', message: `${name}'s labels are ${builtinLabels(name).join(', ')}; the model's (${labels.join(', ')}) lack ${missing.join(', ')} (give labels: [${builtinLabels(name).join(', ')}] for a new head)` });
  if (sizes.labelled + sizes.heldOut + DEFAULT_TEXT_JOB.validation > SPAM_ASSASSIN_COUNT) problems.push({ path: 'labelled', message: `labelled ${sizes.labelled} + heldOut ${sizes.heldOut} + graft text's ${DEFAULT_TEXT_JOB.validation} validation mails is more than ${name}'s ${SPAM_ASSASSIN_COUNT} mails` });
  return problems;
};

/** The seed's labelled set and the held-out set, labels as indices into the model's `labels`. */
export const builtinTexts = (name: BuiltinTexts, sizes: BuiltinSizes, seed: number, labels: readonly string[]): E.Either<Array<{ path: string; message: string }>, { train: LabelledText[]; eval: LabelledText[] }> => {
  const problems = builtinProblems(name, sizes, labels);
  if (problems.length) return E.left(problems);
  const files = spamAssassinFiles();
  // graft text's validation mails are set aside as it sets them aside, so a seed's labelled set is the job's (the config evaluates on the held-out mail)
  const splits = spamSplits(files.length, { ...sizes, validation: DEFAULT_TEXT_JOB.validation });
  const own = builtinLabels(name);
  const pick = (idx: readonly number[]) => idx.map((i) => readMail(files[i])).map((m) => ({ text: m.text, label: labels.indexOf(own[m.label]) }));
  return E.right({ train: pick(splits.labelledFor(seed)), eval: pick(splits.heldOut) });
};
