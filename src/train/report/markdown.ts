// The human-readable report (results.md): results table, curves, what each method is, per-epoch tables.
import type { Transition } from './plot.js';
import type { RunLike } from './summary.js';
import { epochSummaries, meanSd, methodsOf } from './summary.js';

/** What each method of the mnist comparison does; `ReportInput.methodNotes` adds to or overrides these. */
export const METHOD_NOTES: Readonly<Record<string, string>> = {
  full: 'full fine-tuning: Hugging Face AdamW on every parameter.',
  scheduled: 'scheduled unfreezing: the head trains alone first; the phase state machine decides when the rest thaws.',
  'child-tuning-F': 'Child-Tuning F: AdamW whose update keeps each element with probability reserveP, a fresh Bernoulli mask each step.',
  'child-tuning-D': 'Child-Tuning D: AdamW whose update touches only the elements a Fisher pass over the labelled set ranked highest (a fixed mask).',
};

export interface ReportInput {
  readonly results: readonly RunLike[];
  readonly title?: string;
  /** Paragraph under the title: model, data, epochs, backend. */
  readonly intro?: string;
  readonly transitions?: readonly Transition[];
  /** Image paths relative to the report (default curves.svg); null leaves the figure out. */
  readonly figure?: string | null;
  readonly methodNotes?: Readonly<Record<string, string>>;
  /** Lines under the results table that explain them (a run whose head never took over, say). */
  readonly notes?: readonly string[];
}

/** When something happened with `completed` epochs done: "after epoch 3", or "before epoch 1". */
export const afterEpochs = (completed: number): string => (completed === 0 ? 'before epoch 1' : `after epoch ${completed}`);

const row = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
const table = (head: readonly string[], rows: readonly (readonly string[])[]) => [row(head), row(head.map(() => '---')), ...rows.map(row)].join('\n');
// a single value has no spread to show
const pm = (xs: readonly number[], scale: number, digits: number) => {
  const s = meanSd(xs);
  return `${(s.mean * scale).toFixed(digits)}${xs.length > 1 ? ` ± ${(s.sd * scale).toFixed(digits)}` : ''}`;
};
/** Mean seconds per run, with a warning when a resumed run's time before the resume was not all recorded. */
const secondsCell = (rs: readonly RunLike[]): string => {
  const untimed = rs.filter((r) => (r.untimedEpochs ?? 0) > 0).length;
  const mean = meanSd(rs.map((r) => r.seconds)).mean.toFixed(1);
  return untimed ? `≥ ${mean} (time before a resume not recorded for ${untimed} run${untimed === 1 ? '' : 's'})` : mean;
};

/** One row per method: mean ± sample sd of test accuracy over seeds, mean seconds per run (the format `graft mnist` prints). */
export const resultsTable = (results: readonly RunLike[]): string =>
  table(['method', 'test accuracy % (mean ± sd)', 'seeds', 'seconds per run'], methodsOf(results).map((method) => {
    const rs = results.filter((r) => r.method === method);
    return [method, pm(rs.map((r) => r.testAccuracy), 100, 2), String(rs.length), secondsCell(rs)];
  }));

/** Per-epoch means over seeds for one method; epochs counted from 1, as in metrics.jsonl. */
export const epochTable = (results: readonly RunLike[], method: string): string => {
  const es = epochSummaries(results, method);
  const uneven = new Set(es.map((e) => e.seeds)).size > 1;
  return table(['epoch', 'train loss', 'train acc %', 'eval loss', 'eval acc %', 'seconds', ...(uneven ? ['seeds'] : [])], es.map((e) => [
    String(e.epoch), e.stats.trainLoss.mean.toFixed(4), (e.stats.trainAccuracy.mean * 100).toFixed(2),
    e.stats.evalLoss.mean.toFixed(4), (e.stats.evalAccuracy.mean * 100).toFixed(2), e.stats.seconds.mean.toFixed(2),
    ...(uneven ? [String(e.seeds)] : []),
  ]));
};

export const markdownReport = (input: ReportInput): string => {
  const methods = methodsOf(input.results);
  const notes = { ...METHOD_NOTES, ...input.methodNotes };
  const transitions = input.transitions ?? [];
  const figure = input.figure === undefined ? 'curves.svg' : input.figure;
  const seeds = new Set(input.results.map((r) => r.seed)).size;
  return [
    `# ${input.title ?? 'Fine-tuning methods compared'}`,
    ...(input.intro ? ['', input.intro] : []),
    '', '## Results', '',
    resultsTable(input.results),
    ...(input.notes?.length ? ['', ...input.notes.map((n) => `- ${n}`)] : []),
    ...(figure === null ? [] : [
      '', '## Loss and accuracy per epoch', '',
      `![loss and accuracy](${figure})`, '',
      `Lines are means over ${seeds} seed${seeds === 1 ? '' : 's'}${seeds > 1 ? ', shaded ± 1 sd' : ''}; epoch n is the evaluation after n passes over the training set.` +
        (transitions.length ? ` Dashed rules mark the scheduled method's phase transitions: ${transitions.map((t) => `${t.label} ${afterEpochs(t.epoch)}`).join('; ')}.` : ''),
    ]),
    '', '## Methods', '',
    ...methods.map((m) => `- **${m}**: ${notes[m] ?? '(no description)'}`),
    '', '## Per epoch (mean over seeds)',
    ...methods.flatMap((m) => ['', `### ${m}`, '', epochTable(input.results, m)]),
    '',
  ].join('\n');
};
