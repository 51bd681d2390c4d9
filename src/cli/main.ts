// The graft command line.
import { Command } from 'commander';
import { runDemo } from './demo.js';
import type { ScheduleOptions } from './schedule.js';
import { runScheduleCheck, runScheduleGenerate } from './schedule.js';
import type { BackendChoice } from '../runtime/index.js';
import { selectBackend } from '../runtime/index.js';
import { resumeComparison, runMnistCommand } from './mnist.js';
import { runFinetune } from './finetune.js';

// `graft … | head` closes stdout early: that is the reader's choice, not an error
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

const cli = new Command('graft').description('fine-tuning with a pure-functional tensor language compiled to fused gpu.js kernels');

cli
  .command('demo')
  .description('compile example programs, run them on every backend here, and report what ran')
  .action(async () => runDemo());

cli
  .command('mnist')
  .description('pre-train an MLP on digits 0-4, compare fine-tuning methods on 5-9 over seeds; outputs under runs/')
  .option('--backend <name>', 'auto, webgpu, wasm, webasm or cpu')
  .option('--out <dir>', 'where runs go (default runs/)')
  .option('--seeds <n>', 'seeds per method (default 3)', Number)
  .option('--epochs <n>', 'fine-tuning epochs (default 10)', Number)
  .option('--resume <run-dir>', 'continue a stopped comparison in its folder, with the settings it started with')
  .action(async (opts: { backend?: BackendChoice; out?: string; seeds?: number; epochs?: number; resume?: string }) => {
    const ignored = (['backend', 'out', 'seeds', 'epochs'] as const).filter((k) => opts.resume !== undefined && opts[k] !== undefined);
    if (ignored.length) {
      console.error(`error: --resume takes the settings from the run folder; leave out ${ignored.map((k) => `--${k}`).join(', ')}`);
      process.exitCode = 1;
      return;
    }
    process.exitCode = await runMnistCommand(opts);
  });

cli
  .command('finetune')
  .description('run the fine-tuning comparison from a YAML or JSON config (every problem reported before anything runs)')
  .option('--config <file>', 'hidden, pretrainEpochs, finetuneEpochs, labelled, heldOut, batchSize, stepsPerCall, lr, reserveP, seeds, headEpochs, methods, backend, out')
  .option('--overfit-batch', 'sanity check: train on one batch until it is memorised, and say so')
  .option('--resume <run-dir>', 'continue a stopped comparison in its folder (finished runs are kept, the stopped one goes on from its checkpoint)')
  .action(async (opts: { config?: string; overfitBatch?: boolean; resume?: string }) => {
    if (opts.resume !== undefined && (opts.config !== undefined || opts.overfitBatch)) {
      console.error('error: --resume takes the settings from the run folder; leave out --config and --overfit-batch');
      process.exitCode = 1;
    } else if (opts.resume !== undefined) process.exitCode = await resumeComparison(opts.resume);
    else if (opts.config === undefined) {
      console.error('error: give --config <file> (or --resume <run-dir>)');
      process.exitCode = 1;
    } else process.exitCode = await runFinetune(opts.config, opts);
  });

cli
  .command('backend')
  .description('say which backend auto-selection picks here, and why')
  .option('--json', 'machine-readable output')
  .action(async (opts: { json?: boolean }) => {
    const report = await selectBackend();
    console.log(opts.json ? JSON.stringify(report) : `backend ${report.backend} (requested ${report.requested})${report.fallbackReason ? `: ${report.fallbackReason}` : ''}`);
  });

const schedule = cli.command('schedule').description('phase schedules (Fine-Tuning Scheduler files): validate, explain, generate');
const worldSize = (v: string) => Number(v);
for (const [name, explain, what] of [['validate', false, 'check a schedule against a model spec (and a wrap policy); exit 0 when valid, 1 with problems'], ['explain', true, 'validate, and show every entry with the parameters it matched']] as const) {
  schedule
    .command(`${name} <schedule>`)
    .description(what)
    .requiredOption('--model <spec.json>', 'model spec: modules and parameters')
    .option('--wrap <policy.json>', 'wrap policy: check the phases against the flat units it makes')
    .option('--world-size <W>', 'ranks to lay each flat unit over', worldSize)
    .option('--per-parameter', 'units keep a trainable flag per parameter (lifts the flat-buffer check)')
    .option('--epoch-transitions-only', 'phases change only by max_transition_epoch')
    .option('--json', 'machine-readable output')
    .action((file: string, opts: ScheduleOptions) => {
      process.exitCode = runScheduleCheck(file, opts, explain);
    });
}
schedule
  .command('generate')
  .description('write the implicit schedule: parameters reversed, two per phase')
  .requiredOption('--model <spec.json>', 'model spec: modules and parameters')
  .option('--out <file>', 'write here (atomically) instead of stdout')
  .option('--base-max-lr <lr>', 'lr of phases after 0 (default 1e-5)', Number)
  .option('--json', 'machine-readable output')
  .action((opts: { model: string; out?: string; baseMaxLr?: number; json?: boolean }) => {
    process.exitCode = runScheduleGenerate(opts);
  });

try {
  await cli.parseAsync(process.argv);
} catch (e) {
  console.error(`graft: ${(e as Error).message}`);
  process.exitCode = 1;
}
