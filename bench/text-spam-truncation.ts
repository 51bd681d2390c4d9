// How much of a mail `graft text` needs to read, and from how many labelled mails, measured without the BERT: the
// held-out mails' lengths in Brown WordPiece tokens, and a bag-of-pieces logistic regression (float64, full-batch
// gradient descent) trained on each seed's labelled mails cut to L tokens, scored on the held-out mail as the job is:
//   npx tsx bench/text-spam-truncation.ts [lengths, e.g. 32,64,128,512] [labelled, e.g. 100,200,400]
import { loadBrown } from '../src/train/text/brown.js';
import { trainWordPiece, wordCounts } from '../src/train/text/wordpiece-train.js';
import { wordPieceTokenizerConfig, wordPieceTokenizerJson } from '../src/train/text/wordpiece-json.js';
import { textTokenizer } from '../src/train/text/tokenizer.js';
import { readMail, spamAssassinFiles } from '../src/train/text/spam-assassin.js';
import { spamScores, spamSplits } from '../src/train/text/spam-splits.js';
import { DEFAULT_TEXT_JOB } from '../src/train/text/text-job.js';

const [lengthsArg, labelledArg] = process.argv.slice(2);
const LENGTHS = (lengthsArg ?? '32,64,128,512').split(',').map(Number);
const LABELLED = (labelledArg ?? '100,200,400').split(',').map(Number);
const SEEDS = [1, 2, 3];
const VOCAB = DEFAULT_TEXT_JOB.vocabSize;

const tok = textTokenizer(wordPieceTokenizerJson(trainWordPiece(wordCounts(loadBrown()), { vocabSize: VOCAB })), wordPieceTokenizerConfig(512));
if (tok._tag === 'Left') throw new Error(tok.left.join('; '));
const files = spamAssassinFiles();
const maxLabelled = Math.max(...LABELLED);
// the splits the README's table was measured on (1,000 held-out and 200 validation mails), whatever the job's defaults are now
const splits = spamSplits(files.length, { heldOut: 1000, validation: 200, labelled: maxLabelled });
const ids = new Map<number, { ids: number[]; label: number; group: string }>();
const mail = (i: number) => {
  if (!ids.has(i)) {
    const m = readMail(files[i]);
    ids.set(i, { ids: tok.right.encode(m.text, 4096).inputIds.slice(1, -1), label: m.label, group: m.group });
  }
  return ids.get(i)!;
};
const held = splits.heldOut.map(mail);
const lengths = held.map((m) => m.ids.length + 2).sort((a, b) => a - b);
const q = (p: number) => lengths[Math.min(lengths.length - 1, Math.floor(p * lengths.length))];
console.log(`held-out ${held.length} mails (${held.filter((m) => m.group === 'hard-ham-1').length} hard ham): tokens with [CLS]/[SEP] median ${q(0.5)}, p10 ${q(0.1)}, p25 ${q(0.25)}, p75 ${q(0.75)}; ${LENGTHS.map((l) => `${((100 * lengths.filter((n) => n >= l).length) / lengths.length).toFixed(0)}% fill ${l}`).join(', ')}`);

/** Presence of each piece among the first length-2 (the job's rows keep [CLS] and [SEP]). */
const features = (m: { ids: number[] }, length: number) => [...new Set(m.ids.slice(0, length - 2))];

const logistic = (train: Array<{ f: number[]; y: number }>) => {
  const w = new Float64Array(VOCAB);
  let b = 0;
  const lr = 0.5;
  const l2 = 1e-3;
  for (let it = 0; it < 300; it++) {
    const g = new Float64Array(VOCAB);
    let gb = 0;
    for (const x of train) {
      const z = b + x.f.reduce((a, j) => a + w[j], 0);
      const e = 1 / (1 + Math.exp(-z)) - x.y;
      for (const j of x.f) g[j] += e;
      gb += e;
    }
    for (let j = 0; j < VOCAB; j++) w[j] -= lr * (g[j] / train.length + l2 * w[j]);
    b -= (lr * gb) / train.length;
  }
  return (f: number[]) => (b + f.reduce((a, j) => a + w[j], 0) > 0 ? 1 : 0);
};

for (const n of LABELLED) {
  for (const length of LENGTHS) {
    const scores = SEEDS.map((seed) => {
      const train = splits.labelledFor(seed).slice(0, n).map(mail).map((m) => ({ f: features(m, length), y: m.label }));
      const predict = logistic(train);
      const predictions = held.map((m) => predict(features(m, length)));
      const hard = held.flatMap((m, i) => (m.group === 'hard-ham-1' ? [predictions[i] === 0 ? 1 : 0] : []));
      return { ...spamScores(predictions, held.map((m) => m.label)), hard: hard.reduce((a, c) => a + c, 0) / hard.length };
    });
    const mean = (k: 'accuracy' | 'f1' | 'hard') => scores.reduce((a, s) => a + s[k], 0) / scores.length;
    console.log(`labelled ${n}, first ${length} tokens: accuracy ${(100 * mean('accuracy')).toFixed(1)}%, spam F1 ${mean('f1').toFixed(3)}, hard ham ${(100 * mean('hard')).toFixed(0)}% (mean of seeds ${SEEDS.join(', ')})`);
  }
}
