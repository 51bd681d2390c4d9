// `graft mnist` (what `npm start` runs): the fine-tuning comparison on real digits, outputs under runs/.
import { mkdirSync } from 'node:fs';
import * as E from 'fp-ts/lib/Either.js';
import { join } from 'node:path';
import type { BackendChoice } from '../runtime/index.js';
import { createRuntime } from '../runtime/index.js';
import type { JobConfig } from '../train/mnist-job.js';
import { DEFAULT_JOB, mnistDataSizes, runMnistJob, staleRunNotes } from '../train/mnist-job.js';
import { decodeFinetuneConfig } from '../train/finetune-config.js';
import { formatFileProblem, writeAtomically } from './files.js';
import type { RunFolder } from './run-folder.js';
import { RUN_FILES, readRunFolder } from './run-folder.js';
import { removeStaleTempFiles, writeFileAtomically } from '../train/checkpoint/index.js';
import { onInterrupt, resumeCommand } from './interrupt.js';
import { markdownReport, renderCurves, resultsTable } from '../train/report/index.js';

export const runMnistCommand = async (o: { backend?: BackendChoice; out?: string; seeds?: number; epochs?: number; resume?: string }, log: (s: string) => void = console.log): Promise<number> =>
  o.resume
    ? resumeComparison(o.resume, log)
    : runComparison({
      ...DEFAULT_JOB,
      ...(o.seeds ? { seeds: Array.from({ length: o.seeds }, (_, i) => i + 1) } : {}),
      // the head-only phase cannot outlast the run
      ...(o.epochs ? { finetuneEpochs: o.epochs, headEpochs: Math.min(DEFAULT_JOB.headEpochs, o.epochs) } : {}),
    }, o, log);

type MetricKey = { readonly method: string; readonly seed: number; readonly epoch: number };
const metricKey = (l: MetricKey) => `${l.method}/${l.seed}/${l.epoch}`;

/** Continue the comparison in `dir` where it stopped, with the configuration it was started with. */
export const resumeComparison = async (dir: string, log: (s: string) => void = console.log, command: 'mnist' | 'finetune' = 'mnist'): Promise<number> => {
  const folder = readRunFolder(dir);
  if (E.isLeft(folder)) {
    folder.left.forEach((p) => log(`error: ${formatFileProblem(p)}`));
    return 1;
  }
  const { config, ...previous } = folder.right;
  // what a writer killed mid-write (SIGKILL, a power cut) left behind
  const stale = removeStaleTempFiles(dir);
  if (stale.length) log(`removed ${stale.length} unfinished temporary file${stale.length === 1 ? '' : 's'} a stopped run left: ${stale.join(', ')}`);
  return runComparison(config, { backend: config.backend, out: config.out, command }, log, { dir, previous });
};

/** The comparison for a resolved configuration, outputs under `out`/<time>/ (or, resuming, in the folder it started). */
export const runComparison = async (cfg: JobConfig, o: { backend?: BackendChoice; out?: string; command?: 'mnist' | 'finetune' }, log: (s: string) => void = console.log, resume?: { dir: string; previous: Omit<RunFolder, 'config'> }): Promise<number> => {
  const root = o.out ?? 'runs';
  // the output names the command the user ran
  const command = `graft ${o.command ?? 'mnist'}`;
  const dir = resume?.dir ?? join(root, new Date().toISOString().replace(/[:.]/g, '-'));
  const rt = await createRuntime({ backend: o.backend });
  let stopListening: () => void = () => undefined;
  try {
    // what --resume needs: the settings (with the backend auto picked, so a resume runs where the run ran),
    // each finished run, each epoch as it ends; settings --resume could not read back are refused up front
    const settings = JSON.stringify({ ...cfg, backend: rt.report.backend, ...(o.out ? { out: o.out } : {}) }, null, 2) + '\n';
    const readable = decodeFinetuneConfig(settings, 'json', mnistDataSizes());
    if (!resume && E.isLeft(readable)) {
      readable.left.forEach((p) => log(`error: settings: ${p.path}: ${p.message}`));
      return 1;
    }
    mkdirSync(dir, { recursive: true });
    if (!resume) writeAtomically(join(dir, RUN_FILES.config), settings);
    stopListening = onInterrupt(() => [`graft: stopped; the run folder is ${dir} (finished runs and checkpoints are kept). Go on with:`, `  ${resumeCommand(o.command ?? 'mnist', dir)}`], log);
    log(`${command}: backend ${rt.report.backend}${rt.report.adapter ? ` on ${rt.report.adapter}` : ''}${rt.report.fallbackReason ? ` (${rt.report.fallbackReason})` : ''}; outputs in ${dir}${resume ? ' (resumed)' : ''}`);
    const t0 = performance.now();
    // one line per (method, seed, epoch): an epoch logged before a crash and trained again replaces its old line
    const metricLines = new Map((resume?.previous.metrics ?? []).map((l) => [metricKey(l), JSON.stringify(l)]));
    const writeMetrics = () => writeAtomically(join(dir, RUN_FILES.metrics), [...metricLines.values()].join('\n') + '\n');
    const runLines = (resume?.previous.finished ?? []).map((r) => JSON.stringify(r));
    const results = await runMnistJob(rt, cfg, join(root, 'cache'), log, {
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
      checkpointDir: join(dir, RUN_FILES.checkpoints),
      ...(resume ? { resume: resume.previous } : {}),
    });
    // the scheduled runs' thaw epochs, as the first seed saw them, mark the curves
    const transitions = (results.find((r) => r.transitions)?.transitions ?? []).map((t) => ({ epoch: t.epoch, label: `thaw phase ${t.depth}` }));
    const fig = await renderCurves(results, transitions, { title: `${command}: loss and accuracy per epoch`, png: true });
    writeAtomically(join(dir, 'curves.svg'), fig.svg);
    if (fig.png) writeFileAtomically(join(dir, 'curves.png'), fig.png);
    else log(`no PNG (${fig.pngError}); the SVG is there`);
    const intro = `MLP 784-${cfg.hidden}-10 pre-trained on digits 0-4, fine-tuned on ${cfg.labelled} labelled images of 5-9 for up to ${cfg.finetuneEpochs} epochs (evaluation columns on ${cfg.validation} validation images), tested on ${cfg.heldOut} held-out images of 5-9; ${cfg.seeds.length} seed${cfg.seeds.length === 1 ? '' : 's'}; backend ${rt.report.backend}. Methods: full = Hugging Face AdamW on every parameter (peak lr ${cfg.lr}, 10% linear warmup then linear decay, wd 0.01, gradients clipped to global norm 1); scheduled = the head alone, then everything from epoch ${cfg.headEpochs + 1} or when early stopping ends the phase (the phase state machine, restore-best before the transition); child-tuning-F/D = ChildTuning-AdamW, reserveP ${cfg.reserveP} (D after a Fisher pass over the labelled set).`;
    writeAtomically(join(dir, 'results.md'), markdownReport({ results, title: `${command}: fine-tuning methods compared`, intro, transitions, notes: staleRunNotes(results) }));
    log(`\n${resultsTable(results)}\n\nwrote ${dir}/results.md, curves.svg${fig.png ? ', curves.png' : ''}, metrics.jsonl and checkpoints/ in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    return 0;
  } finally {
    stopListening();
    rt.destroy();
  }
};
