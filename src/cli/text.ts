// `graft text`: the text job (pre-train a small BERT on Brown, fine-tune spam vs ham on SpamAssassin with four
// methods over seeds); outputs under runs/<time>/, the pre-trained folder under runs/cache/.
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import type { BackendChoice } from '../runtime/index.js';
import { createRuntime } from '../runtime/index.js';
import { printSchedule } from '../optim/phases/index.js';
import type { TextJobConfig, TextRunResult } from '../train/text/text-job.js';
import { DEFAULT_TEXT_JOB, cpuSecondsSince, runTextJob } from '../train/text/text-job.js';
import { decodeTextSettings } from '../train/text/text-settings.js';
import { removeStaleTempFiles, writeFileAtomically } from '../train/checkpoint/index.js';
import { markdownReport, renderCurves, resultsTable } from '../train/report/index.js';
import { meanSd, methodsOf } from '../train/report/summary.js';
import { formatFileProblem, writeAtomically } from './files.js';
import { onInterrupt, resumeCommand } from './interrupt.js';
import type { TextRunFolder } from './text-run-folder.js';
import { readTextRunFolder } from './text-run-folder.js';
import { RUN_FILES, earlierRecords } from './run-folder.js';
import { comparisonWriter } from './comparison-writer.js';

export interface TextOptions {
  readonly backend?: BackendChoice;
  readonly out?: string;
  readonly seeds?: number;
  readonly epochs?: number;
  readonly settings?: string;
  /** A stopped run's folder: its finished runs are kept, a stopped run goes on from its last checkpoint, with the settings it started with. */
  readonly resume?: string;
}

/** Spam F1 and hard-ham accuracy per method, mean ± sd over seeds (results.md's second table). */
export const spamTable = (results: readonly TextRunResult[]): string => {
  const pm = (xs: readonly number[], scale: number) => {
    const s = meanSd(xs);
    return `${(s.mean * scale).toFixed(scale === 1 ? 3 : 1)}${xs.length > 1 ? ` ± ${(s.sd * scale).toFixed(scale === 1 ? 3 : 1)}` : ''}`;
  };
  const rows = methodsOf(results).map((m) => {
    const rs = results.filter((r) => r.method === m);
    const hard = rs.flatMap((r) => (r.hardHamAccuracy === undefined ? [] : [r.hardHamAccuracy]));
    return `| ${m} | ${pm(rs.map((r) => r.testF1), 1)} | ${hard.length ? pm(hard, 100) : '-'} |`;
  });
  return ['| method | spam F1 (mean ± sd) | hard ham accuracy % |', '| --- | --- | --- |', ...rows].join('\n');
};

/** The settings: defaults, then --settings, then --seeds and --epochs; every problem at once. */
export const textSettings = (o: TextOptions): E.Either<string[], TextJobConfig> => {
  let raw: unknown = {};
  if (o.settings) {
    try {
      raw = JSON.parse(readFileSync(o.settings, 'utf8'));
    } catch (e) {
      return E.left([`${o.settings}: ${(e as Error).message}`]);
    }
  }
  const decoded = decodeTextSettings(raw);
  if (E.isLeft(decoded)) return E.left(decoded.left.map((p) => `${o.settings}: ${p.path}: ${p.message}`));
  return E.right({ ...decoded.right, ...(o.seeds ? { seeds: Array.from({ length: o.seeds }, (_, i) => i + 1) } : {}), ...(o.epochs ? { finetuneEpochs: o.epochs } : {}) });
};

export const runTextCommand = async (o: TextOptions, log: (s: string) => void = console.log): Promise<number> => {
  if (o.resume) return resumeText(o.resume, log);
  const settings = textSettings(o);
  if (E.isLeft(settings)) {
    settings.left.forEach((p) => log(`error: ${p}`));
    return 1;
  }
  return runText(settings.right, { backend: o.backend, root: o.out ?? 'runs' }, log);
};

/** Continue the job stopped in `dir` with the settings and backend it started with; the cache is its sibling. */
const resumeText = async (dir: string, log: (s: string) => void): Promise<number> => {
  const folder = readTextRunFolder(dir);
  if (E.isLeft(folder)) {
    folder.left.forEach((p) => log(`error: ${formatFileProblem(p)}`));
    return 1;
  }
  // what a writer killed mid-write (SIGKILL, a power cut) left behind
  const stale = removeStaleTempFiles(dir);
  if (stale.length) log(`removed ${stale.length} unfinished temporary file${stale.length === 1 ? '' : 's'} a stopped run left: ${stale.join(', ')}`);
  return runText(folder.right.config, { backend: folder.right.backend, root: dirname(dir) }, log, { dir, previous: folder.right });
};

/** The scheduled method's schedule in words (results.md, schedule.yaml's header). */
const scheduleWords = (cfg: TextJobConfig): string =>
  cfg.scheduleLayers === 0
    ? "the schedule the Fine-Tuning Scheduler generates for the classifier (output layers first, two parameters a phase)"
    : `the Fine-Tuning Scheduler's generated schedule merged by layer (the head, then ${cfg.scheduleLayers} encoder layer${cfg.scheduleLayers === 1 ? '' : 's'} a phase from the top, then the embeddings)`;

/** When a phase of the scheduled method ends, in words. */
const phaseEndWords = (cfg: TextJobConfig): string =>
  `a phase ends when validation loss has not improved for ${cfg.schedulePatience} epoch${cfg.schedulePatience === 1 ? '' : 's'}${cfg.scheduleThawEpochs ? ` or at epoch ${cfg.scheduleThawEpochs}·(phase + 1) at the latest (max_transition_epoch)` : ''}`;

const runText = async (cfg: TextJobConfig, o: { backend?: BackendChoice; root: string }, log: (s: string) => void, resume?: { dir: string; previous: TextRunFolder }): Promise<number> => {
  const root = o.root;
  const dir = resume?.dir ?? join(root, new Date().toISOString().replace(/[:.]/g, '-'));
  const rt = await createRuntime({ backend: o.backend });
  let stopListening: () => void = () => undefined;
  try {
    mkdirSync(dir, { recursive: true });
    if (!resume) writeAtomically(join(dir, RUN_FILES.config), `${JSON.stringify({ ...cfg, backend: rt.report.backend }, null, 2)}\n`);
    stopListening = onInterrupt(() => [`graft: stopped; the run folder is ${dir} (finished runs and checkpoints are kept). Go on with:`, `  ${resumeCommand('text', dir)}`], log);
    log(`graft text: backend ${rt.report.backend}; outputs in ${dir}${resume ? ' (resumed)' : ''}`);
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const results = await runTextJob(rt, cfg, join(root, 'cache'), log, {
      onSchedule: (s) => writeAtomically(join(dir, 'schedule.yaml'), printSchedule(s, [`graft text: ${scheduleWords(cfg)}`])),
      ...comparisonWriter<TextRunResult>(dir, resume?.previous),
      checkpointDir: join(dir, RUN_FILES.checkpoints),
      ...(resume ? { resume: { finished: resume.previous.finished, earlier: (method, seed) => earlierRecords(resume.previous.metrics, method, seed) } } : {}),
    });
    const transitions = (results.find((r) => r.transitions)?.transitions ?? []).map((t) => ({ epoch: t.epoch, label: `thaw phase ${t.depth}` }));
    const fig = await renderCurves(results, transitions, { title: 'graft text: loss and accuracy per epoch', png: true });
    writeAtomically(join(dir, 'curves.svg'), fig.svg);
    if (fig.png) writeFileAtomically(join(dir, 'curves.png'), fig.png);
    const intro = `BERT (${cfg.layers} layers, hidden ${cfg.hidden}, ${cfg.heads} heads, WordPiece vocabulary of ${cfg.vocabSize} trained on Brown) pre-trained by masked-language modelling on ${cfg.pretrainSentences || 'all'} Brown sentences (${cfg.pretrainEpochs} epoch${cfg.pretrainEpochs === 1 ? '' : 's'}, sequences of up to ${cfg.seqLength} tokens), then fine-tuned to tell spam from ham on ${cfg.labelled} labelled SpamAssassin mails (subject and body, up to ${cfg.finetuneSeq} tokens; batches grouped by length and padded per batch) for up to ${cfg.finetuneEpochs} epochs (evaluation columns on ${cfg.validation} validation mails), tested on ${cfg.heldOut} held-out mails with hard ham; ${cfg.seeds.length} seed${cfg.seeds.length === 1 ? '' : 's'}; backend ${rt.report.backend}. Methods: full = Hugging Face AdamW (peak lr ${cfg.lr}, 10% warmup, linear decay, wd 0.01, clip 1); scheduled = ${scheduleWords(cfg)} (schedule.yaml), ${phaseEndWords(cfg)} (restore-best), constant lr ${cfg.lr} for the first phase's groups and ${cfg.scheduleLr || cfg.lr} for later ones; child-tuning-F/D = ChildTuning-AdamW, reserveP ${cfg.reserveP} (D: Fisher pass over the encoder layers).`;
    const report = markdownReport({ results, title: 'graft text: fine-tuning methods compared on spam vs ham', intro, transitions, methodNotes: { scheduled: `scheduled unfreezing with ${scheduleWords(cfg)} (schedule.yaml): ${phaseEndWords(cfg)}.` } });
    writeAtomically(join(dir, 'results.md'), `${report.trimEnd()}\n\n## Spam F1 and hard ham\n\n${spamTable(results)}\n`);
    log(`\n${resultsTable(results)}\n\n${spamTable(results)}\n\nwrote ${dir}/results.md, curves.svg, metrics.jsonl, runs.jsonl, schedule.yaml and checkpoints/ in ${((performance.now() - t0) / 1000).toFixed(0)} s (${cpuSecondsSince(c0).toFixed(0)} CPU-s)`);
    return 0;
  } finally {
    stopListening();
    rt.destroy();
  }
};

export { DEFAULT_TEXT_JOB };
