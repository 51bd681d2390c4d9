// What a comparison writes into its run folder as runs go (metrics.jsonl, runs.jsonl) and when they are done
// (results.md, curves): one writer for the unsharded comparison and the sharded one, whose rank 0 reports to it.
import { writeFolder } from '../train/hf/write-folder.js';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { decodeFinetuneConfig } from '../train/finetune-config.js';
import { mnistDataSizes } from '../train/mnist-job.js';
import type { EpochRecord } from '../train/fit.js';
import type { JobConfig, Method, RunResult } from '../train/mnist-job.js';
import { staleRunNotes } from '../train/mnist-job.js';
import { writeFileAtomically } from '../train/checkpoint/index.js';
import { markdownReport, renderCurves, resultsTable } from '../train/report/index.js';
import { writeAtomically } from './files.js';
import type { RunFolder } from './run-folder.js';
import { RUN_FILES } from './run-folder.js';

/** What a comparison reports while it trains (JobOutputs' callbacks). */
export interface ComparisonEvents<R = RunResult> {
  /** As a run starts training, with the epoch its checkpoint was saved after (0: from the start). */
  readonly onStart: (method: Method, seed: number, checkpointed: number) => void;
  readonly onEpoch: (method: Method, seed: number, record: EpochRecord) => void;
  readonly onRun: (r: R) => void;
}

type MetricKey = { readonly method: string; readonly seed: number; readonly epoch: number };
const metricKey = (l: MetricKey) => `${l.method}/${l.seed}/${l.epoch}`;

/** Each event rewrites its file atomically; a resumed folder starts from what it recorded. */
export const comparisonWriter = <R = RunResult>(dir: string, previous?: { readonly metrics: RunFolder['metrics']; readonly finished: readonly R[] }): ComparisonEvents<R> => {
  // one line per (method, seed, epoch): an epoch logged before a crash and trained again replaces its old line
  const metricLines = new Map((previous?.metrics ?? []).map((l) => [metricKey(l), JSON.stringify(l)]));
  const writeMetrics = () => writeAtomically(join(dir, RUN_FILES.metrics), [...metricLines.values()].join('\n') + '\n');
  const runLines = (previous?.finished ?? []).map((r) => JSON.stringify(r));
  return {
    // the epochs a run trains again leave metrics.jsonl as it starts, so the file never mixes two attempts' epochs
    onStart: (method, seed, checkpointed) => {
      const again = [...metricLines.keys()].filter((k) => k.startsWith(`${method}/${seed}/`) && Number(k.split('/')[2]) > checkpointed);
      again.forEach((k) => metricLines.delete(k));
      if (again.length) writeMetrics();
    },
    onEpoch: (method, seed, rec) => {
      const key = metricKey({ method, seed, epoch: rec.epoch });
      metricLines.delete(key);
      metricLines.set(key, JSON.stringify({ method, seed, ...rec }));
      writeMetrics();
    },
    onRun: (r) => {
      runLines.push(JSON.stringify(r));
      writeAtomically(join(dir, RUN_FILES.runs), runLines.join('\n') + '\n');
    },
  };
};

/** results.md and the curves of the finished comparison, then the summary table on the log. */
export const writeComparisonReport = async (dir: string, cfg: JobConfig, results: readonly RunResult[], o: { readonly command: string; readonly backend: string; readonly seconds: number; readonly how?: string }, log: (s: string) => void): Promise<void> => {
  const { command } = o;
  // the scheduled runs' thaw epochs, as the first seed saw them, mark the curves
  const transitions = (results.find((r) => r.transitions)?.transitions ?? []).map((t) => ({ epoch: t.epoch, label: `thaw phase ${t.depth}` }));
  const fig = await renderCurves([...results], transitions, { title: `${command}: loss and accuracy per epoch`, png: true });
  writeAtomically(join(dir, 'curves.svg'), fig.svg);
  if (fig.png) writeFileAtomically(join(dir, 'curves.png'), fig.png);
  else log(`no PNG (${fig.pngError}); the SVG is there`);
  const intro = `MLP 784-${cfg.hidden}-10 pre-trained on digits 0-4, fine-tuned on ${cfg.labelled} labelled images of 5-9 for up to ${cfg.finetuneEpochs} epochs (evaluation columns on ${cfg.validation} validation images), tested on ${cfg.heldOut} held-out images of 5-9; ${cfg.seeds.length} seed${cfg.seeds.length === 1 ? '' : 's'}; backend ${o.backend}${o.how ? `; ${o.how}` : ''}. Methods: full = Hugging Face AdamW on every parameter (peak lr ${cfg.lr}, 10% linear warmup then linear decay, wd 0.01, gradients clipped to global norm 1); scheduled = the head alone, then everything from epoch ${cfg.headEpochs + 1} or when early stopping ends the phase (the phase state machine, restore-best before the transition); child-tuning-F/D = ChildTuning-AdamW, reserveP ${cfg.reserveP} (D after a Fisher pass over the labelled set).`;
  writeAtomically(join(dir, 'results.md'), markdownReport({ results: [...results], title: `${command}: fine-tuning methods compared`, intro, transitions, notes: staleRunNotes(results) }));
  log(`\n${resultsTable([...results])}\n\nwrote ${dir}/results.md, curves.svg${fig.png ? ', curves.png' : ''}, metrics.jsonl and checkpoints/ in ${o.seconds.toFixed(0)} s`);
};

/** config.json as --resume reads it back (with the backend auto picked, so a resume runs where the run ran), or why it could not be. */
export const settingsText = (cfg: JobConfig, backend: string, out: string | undefined): E.Either<string[], string> => {
  const settings = JSON.stringify({ ...cfg, backend, ...(out ? { out } : {}) }, null, 2) + '\n';
  const readable = decodeFinetuneConfig(settings, 'json', mnistDataSizes());
  return E.isLeft(readable) ? E.left(readable.left.map((p) => `settings: ${p.path}: ${p.message}`)) : E.right(settings);
};

/** The run folder appears whole: its first files are written in a temporary sibling, which is then renamed (removed if a write fails). */
export const createRunFolder = (dir: string, files: Readonly<Record<string, string>>): void =>
  void writeFolder(dir, Object.fromEntries(Object.entries(files).map(([name, text]) => [name, new TextEncoder().encode(text)])));
