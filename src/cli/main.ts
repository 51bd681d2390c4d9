// The graft command line.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import * as E from 'fp-ts/lib/Either.js';
import { runDemo } from './demo.js';
import { runScheduleCheck, runScheduleGenerate } from './schedule.js';
import { selectBackend } from '../runtime/index.js';
import { resumeComparison, runMnistCommand } from './mnist.js';
import { runTextCommand } from './text.js';
import { runFinetune, textConfigIn } from './finetune.js';
import { SHARDING_FILE, resumeShardedFinetune, runMpiFinetune, runShardedFinetune } from './sharded-finetune.js';
import type { DecodedOptions, OptionProblem } from './options.js';
import { BackendOption, CountOption, ReshardOption, ScheduleLrOption, StrategyOption, backendEnvProblems, decodeOptions, formatOptionProblem } from './options.js';
import { ExistingDirOption, OutputDirOption, OutputFileOption } from './path-options.js';
import { runExport, runImport } from './hf.js';
import { runCompile } from './compile.js';
import { RUN_FILES } from './run-folder.js';

// `graft … | head` closes stdout early: that is the reader's choice, not an error
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

/** Exit status of a usage error (a bad option or combination): nothing ran, nothing was written. */
const USAGE = 2;

const usageError = (problems: readonly OptionProblem[]): void => {
  problems.forEach((p) => console.error(`error: ${formatOptionProblem(p)}`));
  process.exitCode = USAGE;
};

/** Decode a command's options (and $GRAFT_BACKEND where it uses a backend); undefined after reporting a usage error. */
const options = <C extends Parameters<typeof decodeOptions>[0]>(codecs: C, raw: Readonly<Record<string, unknown>>, usesBackend: boolean): DecodedOptions<C> | undefined => {
  const decoded = decodeOptions(codecs, raw);
  const problems = [...(E.isLeft(decoded) ? decoded.left : []), ...(usesBackend ? backendEnvProblems(raw.backend) : [])];
  if (problems.length || E.isLeft(decoded)) {
    usageError(problems);
    return undefined;
  }
  return decoded.right;
};

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

// commander's own usage errors (unknown option, missing argument) come back here instead of exiting
const cli = new Command('graft')
  .description('fine-tuning with a pure-functional tensor language compiled to fused gpu.js kernels')
  .version(version, '--version', 'print the version of graft')
  .exitOverride();

cli
  .command('demo')
  .description('compile example programs, run them on every backend here (or the one --backend or $GRAFT_BACKEND names), and report what ran')
  .option('--backend <name>', 'auto, webgpu, wasm, webasm or cpu')
  .action(async (raw: Record<string, unknown>) => {
    const o = options({ backend: BackendOption }, raw, true);
    if (o) await runDemo(o);
  });

cli
  .command('mnist')
  .description('pre-train an MLP on digits 0-4, compare fine-tuning methods on 5-9 over seeds; outputs under runs/')
  .option('--backend <name>', 'auto, webgpu, wasm, webasm or cpu')
  .option('--out <dir>', 'where runs go (default runs/)')
  .option('--seeds <n>', 'seeds per method (default 3)')
  .option('--epochs <n>', 'fine-tuning epochs (default 10)')
  .option('--resume <run-dir>', 'continue a stopped comparison in its folder, with the settings it started with')
  .action(async (raw: Record<string, unknown>) => {
    const o = options({ backend: BackendOption, out: OutputDirOption, seeds: CountOption, epochs: CountOption, resume: ExistingDirOption }, raw, raw.resume === undefined);
    if (!o) return;
    const ignored = (['backend', 'out', 'seeds', 'epochs'] as const).filter((k) => o.resume !== undefined && o[k] !== undefined);
    if (ignored.length) return usageError([{ option: '--resume', message: `takes the settings from the run folder; leave out ${ignored.map((k) => `--${k}`).join(', ')}` }]);
    process.exitCode = await runMnistCommand(o);
  });

cli
  .command('text')
  .description('pre-train a small BERT on the Brown corpus (cached under runs/cache/), compare fine-tuning methods on SpamAssassin spam vs ham over seeds')
  .option('--backend <name>', 'auto, webgpu, wasm, webasm or cpu')
  .option('--out <dir>', 'where runs go (default runs/)')
  .option('--seeds <n>', 'seeds per method (default 3)')
  .option('--epochs <n>', 'fine-tuning epochs (default 8)')
  .option('--settings <file>', 'a JSON object changing the job\'s settings (sizes, learning rates, methods)')
  .option('--resume <run-dir>', 'continue a stopped job in its folder, with the settings it started with (finished runs are kept)')
  .action(async (raw: Record<string, unknown>) => {
    const o = options({ backend: BackendOption, out: OutputDirOption, seeds: CountOption, epochs: CountOption, resume: ExistingDirOption }, raw, raw.resume === undefined);
    if (!o) return;
    const ignored = (['backend', 'out', 'seeds', 'epochs', 'settings'] as const).filter((k) => o.resume !== undefined && (k === 'settings' ? raw.settings : o[k]) !== undefined);
    if (ignored.length) return usageError([{ option: '--resume', message: `takes the settings from the run folder; leave out ${ignored.map((k) => `--${k}`).join(', ')}` }]);
    process.exitCode = await runTextCommand({ ...o, ...(typeof raw.settings === 'string' ? { settings: raw.settings } : {}) });
  });

cli
  .command('finetune')
  .description('run the fine-tuning comparison from a YAML or JSON config (every problem reported before anything runs)')
  .option('--config <file>', 'hidden, pretrainEpochs, finetuneEpochs, labelled, validation, heldOut, batchSize, stepsPerCall, lr, reserveP, seeds, headEpochs, methods, backend, out; or, for your own text, model, train, eval, method, schedule, … (README: Fine-tuning on text)')
  .option('--overfit-batch', 'sanity check: train on one batch until it is memorised, and say so')
  .option('--resume <run-dir>', 'continue a stopped comparison in its folder (finished runs are kept, the stopped one goes on from its checkpoint); a sharded one over --shards W (default: the W it ran on) or as mpirun -np W … --mpi')
  .option('--shards <W>', 'shard parameters, gradients and optimizer state over W local workers (a power of two)')
  .option('--mpi', 'one rank of an Open MPI job: mpirun -np W npx graft finetune --config <file> --mpi')
  .option('--strategy <name>', 'FULL_SHARD (default), SHARD_GRAD_OP or NO_SHARD, with --shards or --mpi')
  .option('--micro-batches <M>', 'micro-batches per step over all ranks (default W), with --shards or --mpi')
  .option('--reshard-after-forward <true|false>', 'FULL_SHARD: free each unit\'s gathered parameters after its forward and gather them again for its backward (default true, as FSDP), with --shards or --mpi')
  .option('--join-timeout <seconds>', 'with --mpi: how long every rank may take to start before the job gives up (default 60)')
  .action(async (raw: Record<string, unknown>) => {
    const o = options({ resume: ExistingDirOption, shards: CountOption, strategy: StrategyOption, microBatches: CountOption, reshardAfterForward: ReshardOption, joinTimeout: CountOption }, raw, raw.resume === undefined);
    if (!o) return;
    const config = raw.config as string | undefined;
    const overfitBatch = raw.overfitBatch === true;
    const sharded = o.shards !== undefined || raw.mpi === true;
    const shardUsage = [
      ...(o.shards !== undefined && raw.mpi === true ? [{ option: '--shards', message: 'leave it out with --mpi: mpirun -np W sets the ranks' }] : []),
      ...(!sharded && o.strategy !== undefined ? [{ option: '--strategy', message: 'needs --shards W or --mpi' }] : []),
      ...(!sharded && o.microBatches !== undefined ? [{ option: '--micro-batches', message: 'needs --shards W or --mpi' }] : []),
      ...(!sharded && o.reshardAfterForward !== undefined ? [{ option: '--reshard-after-forward', message: 'needs --shards W or --mpi' }] : []),
      ...(raw.mpi !== true && o.joinTimeout !== undefined ? [{ option: '--join-timeout', message: 'needs --mpi' }] : []),
      ...(sharded && overfitBatch ? [{ option: '--overfit-batch', message: 'does not run sharded: leave out --shards/--mpi' }] : []),
      // a sharded folder keeps its strategy and micro-batches (they fix the numbers) and its resharding
      ...(o.resume !== undefined ? (['strategy', 'microBatches', 'reshardAfterForward'] as const).filter((k) => o[k] !== undefined).map((k) => ({ option: `--${k.replace(/[A-Z]/g, (ch) => `-${ch.toLowerCase()}`)}`, message: 'a resume takes it from the run folder; leave it out' })) : []),
    ];
    // a text config (it names a model) runs one method unsharded: the image comparison's options do not apply to it
    if (!shardUsage.length && config !== undefined && (sharded || overfitBatch) && textConfigIn(config)) {
      const flag = overfitBatch ? '--overfit-batch' : o.shards !== undefined ? '--shards' : '--mpi';
      return usageError([{ option: flag, message: `applies to image (MNIST) configs; ${config} is a text config (it names a model), which runs unsharded: leave ${flag} out` }]);
    }
    // a text config's run folder holds one method's epochs: it does not resume
    if (o.resume !== undefined && textConfigIn(join(o.resume, RUN_FILES.config))) {
      return usageError([{ option: '--resume', message: `${o.resume} is the run of a text config, which does not resume: run graft finetune --config <your file> again` }]);
    }
    // a sharded run's folder resumes sharded, over the ranks it last ran on unless --shards says otherwise
    const shardedFolder = o.resume !== undefined && existsSync(join(o.resume, SHARDING_FILE));
    if (shardUsage.length) usageError(shardUsage);
    else if (o.resume !== undefined && (config !== undefined || overfitBatch)) usageError([{ option: '--resume', message: 'takes the settings from the run folder; leave out --config and --overfit-batch' }]);
    else if (sharded && config === undefined && o.resume === undefined) usageError([{ option: '--config', message: 'give --config <file> (or --resume <run-dir>)' }]);
    else if (raw.mpi === true) {
      const so = { strategy: o.strategy ?? 'FULL_SHARD', ...(o.microBatches ? { microBatches: o.microBatches } : {}), ...(o.reshardAfterForward === undefined ? {} : { reshardAfterForward: o.reshardAfterForward === 'true' }) } as const;
      process.exitCode = await runMpiFinetune(o.resume !== undefined ? { resume: o.resume } : { config: config! }, so, console.log, undefined, o.joinTimeout === undefined ? undefined : o.joinTimeout * 1000);
    } else if (o.resume !== undefined && (shardedFolder || o.shards !== undefined)) process.exitCode = await resumeShardedFinetune(o.resume, o.shards);
    else if (o.shards !== undefined) process.exitCode = await runShardedFinetune(config!, o.shards, { strategy: o.strategy ?? 'FULL_SHARD', ...(o.microBatches ? { microBatches: o.microBatches } : {}), ...(o.reshardAfterForward === undefined ? {} : { reshardAfterForward: o.reshardAfterForward === 'true' }) });
    else if (o.resume !== undefined) process.exitCode = await resumeComparison(o.resume, console.log, 'finetune');
    else if (config === undefined) usageError([{ option: '--config', message: 'give --config <file> (or --resume <run-dir>)' }]);
    else process.exitCode = await runFinetune(config, { overfitBatch });
  });

cli
  .command('import <hf-dir>')
  .description('read a Hugging Face BERT folder (config.json + model.safetensors or a sharded index) into a graft checkpoint')
  .requiredOption('--out <file>', 'the checkpoint to write (.safetensors, written atomically)')
  .option('--labels <names>', "comma-separated label names: a new classifier when their number differs from config.json's")
  .option('--seed <n>', 'seed of a new head (default 0)')
  .action((dir: string, opts: { out: string; labels?: string; seed?: string }) => {
    if (options({ out: OutputFileOption }, opts, false)) process.exitCode = runImport(dir, opts);
  });

cli
  .command('export <checkpoint>')
  .description('write a graft BERT checkpoint as a Hugging Face folder (config.json + model.safetensors) that from_pretrained loads')
  .requiredOption('--hf <dir>', 'the folder to write (created whole; an existing one must be empty unless --force)')
  .option('--config <file>', "the model's Hugging Face config.json or folder (default: the one graft import recorded in the checkpoint)")
  .option('--force', 'write config.json and model.safetensors into a non-empty folder (other files are left)')
  .action((checkpoint: string, opts: { hf: string; config?: string; force?: boolean }) => {
    if (options({ hf: OutputDirOption }, opts, false)) process.exitCode = runExport(checkpoint, opts);
  });

cli
  .command('compile <entry>')
  .description('compile the programs an entry file exports into a self-contained ES module (wasm kernels and a small runtime) with its .d.mts')
  .requiredOption('--out <dir|file.mjs>', 'the module to write (a folder gets <entry>.mjs)')
  .option('--target <name>', 'wasm (default), gpujs (gpu.js sources run as plain JavaScript: any host), webgpu (also WGSL, run with load({ gpu })) or all (load picks per host)')
  .option('--platform <name>', 'node (default: threads on worker_threads) or browser (no Node built-ins)')
  .option('--fma', 'tiled matmuls accumulate with relaxed-simd FMA (other bits than the JIT default; hosts must support relaxed-simd)')
  .action(async (entry: string, opts: { out: string; target?: string; platform?: string; fma?: boolean }) => {
    process.exitCode = await runCompile(entry, { ...opts, graftVersion: version });
  });

cli
  .command('backend')
  .description('say which backend auto-selection picks here, and why')
  .option('--json', 'machine-readable output')
  .action(async (raw: { json?: boolean }) => {
    if (!options({}, raw, true)) return;
    const report = await selectBackend();
    console.log(raw.json ? JSON.stringify(report) : `backend ${report.backend}${report.adapter ? ` on ${report.adapter}` : ''} (requested ${report.requested})${report.fallbackReason ? `: ${report.fallbackReason}` : ''}`);
  });

const schedule = cli.command('schedule').description('phase schedules (Fine-Tuning Scheduler files): validate, explain, generate');
for (const [name, explain, what] of [['validate', false, 'check a schedule against a model spec (and a wrap policy); exit 0 when valid, 1 with problems'], ['explain', true, 'validate, and show every entry with the parameters it matched']] as const) {
  schedule
    .command(`${name} <schedule>`)
    .description(what)
    .requiredOption('--model <spec.json>', 'model spec: modules and parameters')
    .option('--wrap <policy.json>', 'wrap policy: check the phases against the flat units it makes')
    .option('--world-size <W>', 'ranks to lay each flat unit over')
    .option('--per-parameter', 'units keep a trainable flag per parameter (lifts the flat-buffer check)')
    .option('--epoch-transitions-only', 'phases change only by max_transition_epoch')
    .option('--json', 'machine-readable output')
    .action((file: string, raw: { model: string; wrap?: string; perParameter?: boolean; epochTransitionsOnly?: boolean; json?: boolean }) => {
      const o = options({ worldSize: CountOption }, raw, false);
      if (o) process.exitCode = runScheduleCheck(file, { ...raw, worldSize: o.worldSize }, explain);
    });
}
schedule
  .command('generate')
  .description('write the implicit schedule: parameters reversed, two per phase')
  .requiredOption('--model <spec.json>', 'model spec: modules and parameters')
  .option('--out <file>', 'write here (atomically) instead of stdout')
  .option('--base-max-lr <lr>', 'lr of phases after 0 (default 1e-5)')
  .option('--json', 'machine-readable output')
  .action((raw: { model: string; json?: boolean }) => {
    const o = options({ out: OutputFileOption, baseMaxLr: ScheduleLrOption }, raw, false);
    if (o) process.exitCode = runScheduleGenerate({ model: raw.model, json: raw.json, ...o });
  });

try {
  await cli.parseAsync(process.argv);
} catch (e) {
  // commander has already printed its message (or the help, or the version)
  if (e instanceof CommanderError) process.exitCode = e.exitCode === 0 ? 0 : USAGE;
  else {
    console.error(`graft: ${(e as Error).message}`);
    process.exitCode = 1;
  }
}
