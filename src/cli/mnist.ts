// `graft mnist` (what `npm start` runs): the fine-tuning comparison on real digits, outputs under runs/.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BackendChoice } from '../runtime/index.js';
import { createRuntime } from '../runtime/index.js';
import type { JobConfig, RunResult } from '../train/mnist-job.js';
import { DEFAULT_JOB, METHODS, runMnistJob } from '../train/mnist-job.js';
import { writeAtomically } from './files.js';

const meanSd = (xs: readonly number[]) => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1)) : 0;
  return { m, sd };
};

/** One row per method: mean ± sample sd of test accuracy over seeds, mean seconds per run. */
export const resultsTable = (results: readonly RunResult[]): string => {
  const rows = METHODS.filter((m) => results.some((r) => r.method === m)).map((method) => {
    const rs = results.filter((r) => r.method === method);
    const acc = meanSd(rs.map((r) => r.testAccuracy * 100));
    const secs = meanSd(rs.map((r) => r.seconds));
    return `| ${method} | ${acc.m.toFixed(2)} ± ${acc.sd.toFixed(2)} | ${rs.length} | ${secs.m.toFixed(1)} |`;
  });
  return ['| method | test accuracy % (mean ± sd) | seeds | seconds per run |', '|---|---|---|---|', ...rows].join('\n');
};

export const runMnistCommand = async (o: { backend?: BackendChoice; out?: string; seeds?: number; epochs?: number }, log: (s: string) => void = console.log): Promise<number> =>
  runComparison({ ...DEFAULT_JOB, ...(o.seeds ? { seeds: Array.from({ length: o.seeds }, (_, i) => i + 1) } : {}), ...(o.epochs ? { finetuneEpochs: o.epochs } : {}) }, o, log);

/** The comparison for a resolved configuration, outputs under `out`/<time>/. */
export const runComparison = async (cfg: JobConfig, o: { backend?: BackendChoice; out?: string }, log: (s: string) => void = console.log): Promise<number> => {
  const root = o.out ?? 'runs';
  const dir = join(root, new Date().toISOString().replace(/[:.]/g, '-'));
  mkdirSync(dir, { recursive: true });
  const rt = await createRuntime({ backend: o.backend });
  log(`graft mnist: backend ${rt.report.backend}${rt.report.fallbackReason ? ` (${rt.report.fallbackReason})` : ''}; outputs in ${dir}`);
  const t0 = performance.now();
  const lines: string[] = [];
  try {
    const results = await runMnistJob(rt, cfg, join(root, 'cache'), log, (r) => {
      for (const rec of r.records) lines.push(JSON.stringify({ method: r.method, seed: r.seed, ...rec }));
      writeAtomically(join(dir, 'metrics.jsonl'), lines.join('\n') + '\n');
    });
    const table = resultsTable(results);
    const report = [
      '# graft mnist: fine-tuning methods compared',
      '',
      `MLP ${784}-${cfg.hidden}-10 pre-trained on digits 0-4, fine-tuned on ${cfg.labelled} labelled images of 5-9 for ${cfg.finetuneEpochs} epochs, tested on ${cfg.heldOut} held-out images of 5-9; ${cfg.seeds.length} seeds; backend ${rt.report.backend}.`,
      '',
      table,
      '',
      `Methods: full = Hugging Face AdamW on every parameter (lr ${cfg.lr}, wd 0.01); scheduled = the head alone for ${cfg.headEpochs} epochs, then everything (phase state machine, epoch transitions); child-tuning-F/D = ChildTuning-AdamW, reserveP ${cfg.reserveP} (D after a Fisher pass over the labelled set).`,
      '',
    ].join('\n');
    writeAtomically(join(dir, 'results.md'), report);
    log(`\n${table}\n\nwrote ${join(dir, 'results.md')} and ${join(dir, 'metrics.jsonl')} in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    return 0;
  } finally {
    rt.destroy();
  }
};
