// The fine-tuning data of the text job: held-out and validation mail drawn once, and each seed's small labelled
// set from the rest; every set tokenised into token rows with their lengths.
import * as E from 'fp-ts/lib/Either.js';
import type { Examples } from '../fit.js';
import { packTokenRows } from '../data/token-rows.js';
import { permutation } from '../data/shuffle.js';
import type { Mail } from './spam-assassin.js';
import type { TextTokenizer } from './tokenizer.js';

export interface SpamSizes {
  readonly labelled: number;
  readonly validation: number;
  readonly heldOut: number;
}

/** Token rows [3, seqLength] of labelled texts, their labels and lengths. */
export const textExamples = (tok: TextTokenizer, items: ReadonlyArray<{ readonly text: string; readonly label: number }>, seqLength: number): Examples => {
  const encodings = items.map((m) => tok.encode(m.text, seqLength));
  const rows = packTokenRows(encodings, seqLength, tok.padId);
  if (E.isLeft(rows)) throw new Error(rows.left.map((p) => `example ${p.index}: ${p.message}`).join('; '));
  return { inputs: rows.right, labels: Int32Array.from(items, (m) => m.label), count: items.length, lengths: Int32Array.from(encodings, (e) => e.inputIds.length) };
};

/** textExamples of mails; `groups` keeps each mail's corpus group. */
export const mailExamples = (tok: TextTokenizer, mails: readonly Mail[], seqLength: number): Examples & { groups: string[] } => ({ ...textExamples(tok, mails, seqLength), groups: mails.map((m) => m.group) });

/** Which mails each set takes: held-out first, then validation, from one fixed shuffle; labelled per seed from the rest. */
export const spamSplits = (count: number, s: SpamSizes) => {
  const order = permutation(count, 0, 11);
  const rest = order.slice(s.heldOut + s.validation);
  return {
    heldOut: Array.from(order.slice(0, s.heldOut)),
    validation: Array.from(order.slice(s.heldOut, s.heldOut + s.validation)),
    labelledFor: (seed: number) => Array.from(permutation(rest.length, seed, 12).slice(0, s.labelled), (i) => rest[i]),
  };
};

/** Accuracy and F1 of the spam class, from predictions and labels (1 = spam). */
export const spamScores = (predictions: ArrayLike<number>, labels: ArrayLike<number>): { accuracy: number; f1: number } => {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let right = 0;
  for (let i = 0; i < labels.length; i++) {
    if (predictions[i] === labels[i]) right++;
    if (predictions[i] === 1 && labels[i] === 1) tp++;
    if (predictions[i] === 1 && labels[i] !== 1) fp++;
    if (predictions[i] !== 1 && labels[i] === 1) fn++;
  }
  return { accuracy: right / labels.length, f1: tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn) };
};
