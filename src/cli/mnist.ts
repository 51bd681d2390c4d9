// `graft mnist` (what `npm start` runs): the fine-tuning comparison on real digits, outputs under runs/.
import { mkdirSync } from 'node:fs';
import * as E from 'fp-ts/lib/Either.js';
import { join } from 'node:path';
import type { BackendChoice } from '../runtime/index.js';
import { createRuntime } from '../runtime/index.js';
import type { JobConfig } from '../train/mnist-job.js';
import { DEFAULT_JOB, runMnistJob } from '../train/mnist-job.js';
import { formatFileProblem, writeAtomically } from './files.js';
import type { RunFolder } from './run-folder.js';
import { RUN_FILES, readRunFolder } from './run-folder.js';
import { removeStaleTempFiles } from '../train/checkpoint/index.js';
import { onInterrupt, resumeCommand } from './interrupt.js';
import { comparisonWriter, settingsText, writeComparisonReport } from './comparison-writer.js';

export const runMnistCommand = async (o: { backend?: BackendChoice; out?: string; seeds?: number; epochs?: number; resume?: string }, log: (s: string) => void = console.log): Promise<number> =>
  o.resume
    ? resumeComparison(o.resume, log)
    : runComparison({
      ...DEFAULT_JOB,
      ...(o.seeds ? { seeds: Array.from({ length: o.seeds }, (_, i) => i + 1) } : {}),
      // the head-only phase cannot outlast the run
      ...(o.epochs ? { finetuneEpochs: o.epochs, headEpochs: Math.min(DEFAULT_JOB.headEpochs, o.epochs) } : {}),
    }, o, log);

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
    const settings = settingsText(cfg, rt.report.backend, o.out);
    if (!resume && E.isLeft(settings)) {
      settings.left.forEach((p) => log(`error: ${p}`));
      return 1;
    }
    mkdirSync(dir, { recursive: true });
    if (!resume) writeAtomically(join(dir, RUN_FILES.config), (settings as E.Right<string>).right);
    stopListening = onInterrupt(() => [`graft: stopped; the run folder is ${dir} (finished runs and checkpoints are kept). Go on with:`, `  ${resumeCommand(o.command ?? 'mnist', dir)}`], log);
    log(`${command}: backend ${rt.report.backend}${rt.report.adapter ? ` on ${rt.report.adapter}` : ''}${rt.report.fallbackReason ? ` (${rt.report.fallbackReason})` : ''}; outputs in ${dir}${resume ? ' (resumed)' : ''}`);
    const t0 = performance.now();
    const results = await runMnistJob(rt, cfg, join(root, 'cache'), log, {
      ...comparisonWriter(dir, resume?.previous),
      checkpointDir: join(dir, RUN_FILES.checkpoints),
      ...(resume ? { resume: resume.previous } : {}),
    });
    await writeComparisonReport(dir, cfg, results, { command, backend: rt.report.backend, seconds: (performance.now() - t0) / 1000 }, log);
    return 0;
  } finally {
    stopListening();
    rt.destroy();
  }
};
