// `graft finetune --config <file> --shards W` (W local workers) and `mpirun -np W graft finetune --config <file> --mpi`:
// the fine-tuning comparison with parameters, gradients and optimizer state sharded over the ranks. It makes the run
// folder the unsharded command makes (after every check), writes it from one place (the launcher, or rank 0), and
// continues with `--resume <dir>` under any W the micro-batches allow.
import * as E from 'fp-ts/lib/Either.js';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BroadcastChannel } from 'node:worker_threads';
import * as nn from '../nn/index.js';
import { createRuntime } from '../runtime/index.js';
import type { Collectives, ShardingStrategy } from '../shard/index.js';
import { checkSameRun, failureMessage, openMpi, reshardProblems, runLocal, sumIsShardInvariant } from '../shard/index.js';
import type { ResolvedFinetune } from '../train/finetune-config.js';
import { IMAGE_SIZE } from '../train/data/mnist.js';
import type { RunResult } from '../train/mnist-job.js';
import { pretrainedMlp } from '../train/mnist-job.js';
import { SHARDED_METHODS } from '../train/sharded/mnist-rank.js';
import { codeDigest, configDigest } from '../train/sharded/code-identity.js';
import { removeStaleTempFiles } from '../train/checkpoint/index.js';
import type { Values } from '../train/optimizer-runner.js';
import { formatFileProblem, writeAtomically } from './files.js';
import { readFinetuneConfig } from './config-file.js';
import type { RunFolder } from './run-folder.js';
import { RUN_FILES, readRunFolder } from './run-folder.js';
import { comparisonWriter, createRunFolder, settingsText, writeComparisonReport } from './comparison-writer.js';
import { EXIT_CODES, onInterrupt, resumeCommand } from './interrupt.js';
import type { RankReports, ShardedComparisonInput } from './sharded-comparison.js';
import { shardedComparison } from './sharded-comparison.js';
import type { LocalComparisonInput, RankReport } from './sharded-comparison-rank.js';

export interface ShardOptions {
  readonly strategy: ShardingStrategy;
  /** Micro-batches per step over all ranks; default W. */
  readonly microBatches?: number;
  /** FULL_SHARD only: FSDP's reshard_after_forward (absent: true). */
  readonly reshardAfterForward?: boolean;
}

/** How a sharded run folder was sharded: a resume keeps the strategy and the micro-batches (they fix the numbers). */
export const SHARDING_FILE = 'sharding.json';
interface ShardingRecord {
  readonly strategy: ShardingStrategy;
  readonly microBatches: number;
  /** The ranks of the latest attempt. */
  readonly ranks: number;
  /** Absent: FSDP's default (true under FULL_SHARD). */
  readonly reshardAfterForward?: boolean;
}

const RANK_ENTRY = new URL(`./sharded-comparison-rank.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url);

/** Everything a sharded job refuses before it computes anything: methods it cannot shard yet, batches that do not cut. */
export const shardProblems = (c: ResolvedFinetune, W: number, o: ShardOptions): string[] => {
  const M = o.microBatches ?? W;
  return [
    ...c.methods.filter((m) => !SHARDED_METHODS.includes(m)).map((m) => `methods: '${m}' does not run sharded yet (sharded: ${SHARDED_METHODS.join(', ')}); leave it out of methods`),
    ...(sumIsShardInvariant(M, W) ? [] : [`${M} micro-batches over ${W} ranks: W must be a power of two dividing the micro-batches, so the sums do not depend on W`]),
    ...(c.batchSize % M === 0 ? [] : [`batchSize ${c.batchSize} is not a multiple of the ${M} micro-batches (${M === W ? 'one per rank by default: ' : ''}give --micro-batches, or change batchSize)`]),
    ...reshardProblems(o.strategy, o.reshardAfterForward).map((p) => `${p.path} (--reshard-after-forward): ${p.message}`),
  ];
};

const readSharding = (dir: string): E.Either<string[], ShardingRecord> => {
  const file = join(dir, SHARDING_FILE);
  if (!existsSync(file)) return E.left([`${file}: no such file: ${dir} is not the folder of a sharded run (resume it without --shards/--mpi)`]);
  let raw: any;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    return E.left([`${file}: not JSON: ${(e as Error).message}`]);
  }
  const count = (x: unknown) => Number.isInteger(x) && (x as number) > 0;
  const problems = [
    ...(['FULL_SHARD', 'SHARD_GRAD_OP', 'NO_SHARD'].includes(raw?.strategy) ? [] : [`strategy: expected FULL_SHARD, SHARD_GRAD_OP or NO_SHARD, got ${JSON.stringify(raw?.strategy)}`]),
    ...(['microBatches', 'ranks'] as const).filter((k) => !count(raw?.[k])).map((k) => `${k}: expected a whole number > 0, got ${JSON.stringify(raw?.[k])}`),
    ...(raw?.reshardAfterForward === undefined || typeof raw.reshardAfterForward === 'boolean' ? [] : [`reshardAfterForward: expected true or false, got ${JSON.stringify(raw.reshardAfterForward)}`]),
  ].map((p) => `${file}: ${p}`);
  return problems.length ? E.left(problems) : E.right({ strategy: raw.strategy, microBatches: raw.microBatches, ranks: raw.ranks, ...(raw.reshardAfterForward === undefined ? {} : { reshardAfterForward: raw.reshardAfterForward }) });
};

/** A sharded run folder read back: its settings and runs, and how it was sharded. */
const readShardedFolder = (dir: string): E.Either<string[], { folder: RunFolder; sharding: ShardingRecord }> => {
  const folder = readRunFolder(dir);
  const sharding = readSharding(dir);
  const problems = [...(E.isLeft(folder) ? folder.left.map(formatFileProblem) : []), ...(E.isLeft(sharding) ? sharding.left : [])];
  return E.isRight(folder) && E.isRight(sharding) ? E.right({ folder: folder.right, sharding: sharding.right }) : E.left(problems);
};

const shardingText = (r: ShardingRecord) => JSON.stringify(r, null, 2) + '\n';
const describeSharding = (s: ShardingRecord, engine: 'local' | 'MPI') => `${s.strategy} over ${s.ranks} ${engine} ranks, ${s.microBatches} micro-batches per step`;
const newRunDir = (c: ResolvedFinetune) => join(c.out ?? 'runs', new Date().toISOString().replace(/[:.]/g, '-'));

/** What a new or resumed sharded job starts from, once every check passed. */
interface Start {
  readonly cfg: ResolvedFinetune;
  readonly sharding: ShardingRecord;
  /** A resumed folder, or undefined: a new one is made. */
  readonly resume?: { readonly dir: string; readonly folder: RunFolder };
}

/** Pre-trained weights from the cache (or trained now), and the backend the run records. */
const pretrain = async (cfg: ResolvedFinetune, log: (s: string) => void): Promise<{ base: Values; backend: string }> => {
  const rt = await createRuntime({ backend: cfg.backend });
  try {
    return { base: (await pretrainedMlp(rt, cfg, join(cfg.out ?? 'runs', 'cache'), log)).base, backend: rt.report.backend };
  } finally {
    rt.destroy();
  }
};

/** Makes the run folder (config.json, sharding.json) or, resuming, tidies it and records this attempt's ranks. */
const openRunFolder = (start: Start, backend: string, log: (s: string) => void): E.Either<string[], string> => {
  if (start.resume) {
    const { dir } = start.resume;
    const stale = removeStaleTempFiles(dir);
    if (stale.length) log(`removed ${stale.length} unfinished temporary file${stale.length === 1 ? '' : 's'} a stopped run left: ${stale.join(', ')}`);
    writeAtomically(join(dir, SHARDING_FILE), shardingText(start.sharding));
    return E.right(dir);
  }
  const settings = settingsText(start.cfg, backend, start.cfg.out);
  if (E.isLeft(settings)) return settings;
  const dir = newRunDir(start.cfg);
  createRunFolder(dir, { [RUN_FILES.config]: settings.right, [SHARDING_FILE]: shardingText(start.sharding) });
  return E.right(dir);
};

const comparisonInput = (start: Start, base: Values, dir: string, where: string): ShardedComparisonInput => ({
  cfg: start.cfg, base, dir, strategy: start.sharding.strategy, microBatches: start.sharding.microBatches, where,
  ...(start.sharding.reshardAfterForward === undefined ? {} : { reshardAfterForward: start.sharding.reshardAfterForward }),
  ...(start.cfg.backend ? { backend: start.cfg.backend } : {}),
  ...(start.resume ? { previous: { finished: start.resume.folder.finished, metrics: start.resume.folder.metrics } } : {}),
});

/** The header line, then the report once every run is done. */
const header = (backend: string, dir: string, how: string, resumed: boolean) => `graft finetune: backend ${backend}; ${how}; outputs in ${dir}${resumed ? ' (resumed)' : ''}`;

/** W local workers; the launcher writes the folder from rank 0's reports. Exit 0 when every run trained, 1 on a problem. */
const launchLocal = async (start: Start, log: (s: string) => void): Promise<number> => {
  const W = start.sharding.ranks;
  const { base, backend } = await pretrain(start.cfg, log);
  const dir = openRunFolder(start, backend, log);
  if (E.isLeft(dir)) {
    dir.left.forEach((p) => log(`error: ${p}`));
    return 1;
  }
  const how = describeSharding(start.sharding, 'local');
  const stopListening = onInterrupt(() => [`graft: stopped; the run folder is ${dir.right} (finished runs and checkpoints are kept). Go on with:`, `  ${resumeCommand('finetune', dir.right)} --shards ${W}`], log);
  const channel = new BroadcastChannel(`graft-comparison-${process.pid}-${Date.now()}`);
  try {
    log(header(backend, dir.right, how, start.resume !== undefined));
    const t0 = performance.now();
    const writer = comparisonWriter(dir.right, start.resume?.folder);
    let done!: () => void;
    const allReported = new Promise<void>((resolve) => (done = resolve));
    channel.onmessage = (e) => {
      const m = (e as { data: RankReport }).data;
      if (m.kind === 'log') log(m.line);
      else if (m.kind === 'start') writer.onStart(...m.args);
      else if (m.kind === 'epoch') writer.onEpoch(...m.args);
      else if (m.kind === 'run') writer.onRun(m.run);
      else done();
    };
    const input: LocalComparisonInput = { ...comparisonInput(start, base, dir.right, `${start.sharding.strategy} over ${W} local ranks`), channel: channel.name as string };
    const out = await runLocal<LocalComparisonInput, E.Either<string, RunResult[]>>({ size: W, entry: RANK_ENTRY, input });
    const failures = E.isLeft(out) ? out.left : out.right.flatMap((r) => (E.isLeft(r) ? [r.left] : []));
    if (failures.length) {
      failures.forEach((f) => log(`error: ${f}`));
      return 1;
    }
    await allReported;
    const results = ((out as E.Right<E.Either<string, RunResult[]>[]>).right[0] as E.Right<RunResult[]>).right;
    await writeComparisonReport(dir.right, start.cfg, results, { command: 'graft finetune', backend, seconds: (performance.now() - t0) / 1000, how }, log);
    return 0;
  } finally {
    channel.close();
    stopListening();
  }
};

const refuse = (problems: readonly string[], log: (s: string) => void, prefix = ''): number => {
  problems.forEach((p) => log(`error: ${prefix}${p}`));
  return 1;
};

/** `graft finetune --config <file> --shards W`: exit 0 when every run trained, 1 on a problem (all printed, nothing run) or a failed run. */
export const runShardedFinetune = async (file: string, W: number, o: ShardOptions, log: (s: string) => void = console.log): Promise<number> => {
  const cfg = readFinetuneConfig(file);
  if (E.isLeft(cfg)) return refuse(cfg.left.map(formatFileProblem), log);
  const problems = shardProblems(cfg.right, W, o);
  if (problems.length) return refuse(problems, log, `${file}: `);
  return launchLocal({ cfg: cfg.right, sharding: { strategy: o.strategy, microBatches: o.microBatches ?? W, ranks: W, ...(o.reshardAfterForward === undefined ? {} : { reshardAfterForward: o.reshardAfterForward }) } }, log);
};

/** `graft finetune --resume <dir> [--shards W]`: the stopped sharded comparison goes on, over W local ranks (default: as it last ran). */
export const resumeShardedFinetune = async (dir: string, W: number | undefined, log: (s: string) => void = console.log): Promise<number> => {
  const read = readShardedFolder(dir);
  if (E.isLeft(read)) return refuse(read.left, log);
  const { folder, sharding } = read.right;
  const ranks = W ?? sharding.ranks;
  const problems = shardProblems(folder.config, ranks, sharding);
  if (problems.length) return refuse(problems, log, `${join(dir, SHARDING_FILE)}: `);
  return launchLocal({ cfg: folder.config, sharding: { ...sharding, ranks }, resume: { dir, folder } }, log);
};

/** Rank 0's parameters on every rank (rank 0 pre-trains or reads the cache; the others wait for it). */
const broadcastParams = async (c: Collectives, names: readonly string[], shapes: Record<string, readonly number[]>, mine: Values | undefined): Promise<E.Either<string, Values>> => {
  const out: Record<string, Float32Array> = {};
  for (const n of names) {
    const got = await c.broadcast(mine?.[n] ?? new Float32Array(shapes[n].reduce((a, b) => a * b, 1)), 0);
    if (E.isLeft(got)) return E.left(failureMessage(got.left));
    out[n] = got.right;
  }
  return E.right(out);
};

/** Rank 0's text on every rank (its run folder's name), or rank 0's problems as every rank's failure. */
const broadcastOutcome = async (c: Collectives, mine: E.Either<string[], string> | undefined): Promise<E.Either<string[], string>> => {
  const bytes = mine ? new TextEncoder().encode(JSON.stringify(mine)) : new Uint8Array();
  const length = await c.broadcast(Float32Array.of(bytes.length), 0);
  if (E.isLeft(length)) return E.left([failureMessage(length.left)]);
  const body = await c.broadcast(Float32Array.from(c.rank === 0 ? bytes : new Uint8Array(length.right[0])), 0);
  if (E.isLeft(body)) return E.left([failureMessage(body.left)]);
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(body.right))) as E.Either<string[], string>;
};

/** What an MPI rank was started with: a config file, or a run folder to go on with. */
export type MpiSource = { readonly config: string } | { readonly resume: string };

/** This rank's start, or the problems it sees on its own. */
const mpiStart = (source: MpiSource, W: number, o: ShardOptions): E.Either<string[], Start> => {
  if ('config' in source) {
    const cfg = readFinetuneConfig(source.config);
    if (E.isLeft(cfg)) return E.left(cfg.left.map(formatFileProblem));
    const problems = shardProblems(cfg.right, W, o);
    return problems.length ? E.left(problems.map((p) => `${source.config}: ${p}`)) : E.right({ cfg: cfg.right, sharding: { strategy: o.strategy, microBatches: o.microBatches ?? W, ranks: W, ...(o.reshardAfterForward === undefined ? {} : { reshardAfterForward: o.reshardAfterForward }) } });
  }
  const read = readShardedFolder(source.resume);
  if (E.isLeft(read)) return read;
  const { folder, sharding } = read.right;
  const problems = shardProblems(folder.config, W, sharding);
  return problems.length ? E.left(problems.map((p) => `${join(source.resume, SHARDING_FILE)}: ${p}`)) : E.right({ cfg: folder.config, sharding: { ...sharding, ranks: W }, resume: { dir: source.resume, folder } });
};

/** One process of an mpirun job; rank 0 prints and writes the run folder. Every rank exits 1 on any problem, which every rank hears of. */
export const runMpiFinetune = async (source: MpiSource, o: ShardOptions, log: (s: string) => void = console.log, timeoutMs = 600_000, joinTimeoutMs = 60_000): Promise<number> => {
  const mpi = openMpi({ timeoutMs, joinTimeoutMs });
  if (E.isLeft(mpi)) return refuse([mpi.left], log);
  const c = mpi.right;
  const say = (s: string) => c.rank === 0 && log(s);
  const fail = (lines: readonly string[]) => refuse(lines, log, `rank ${c.rank}: `);
  let stopListening = () => undefined as void;
  try {
    const start = mpiStart(source, c.size, o);
    // a rank whose file is bad still takes part in the check, so its peers refuse with it instead of waiting
    const same = await checkSameRun(c, { config: configDigest(E.isRight(start) ? { cfg: start.right.cfg, sharding: start.right.sharding, resume: start.right.resume?.dir } : { bad: start.left }), code: codeDigest() });
    if (E.isLeft(start)) return fail(start.left);
    if (E.isLeft(same)) return fail(same.left);
    const s = start.right;
    const shapes = nn.paramShapes(nn.mlpClassifier([IMAGE_SIZE, s.cfg.hidden, 10]));
    const mine = c.rank === 0 ? await pretrain(s.cfg, say) : undefined;
    const base = await broadcastParams(c, Object.keys(shapes), shapes, mine?.base);
    if (E.isLeft(base)) return fail([base.left]);
    const dir = await broadcastOutcome(c, mine && openRunFolder(s, mine.backend, say));
    if (E.isLeft(dir)) return fail(dir.left);
    const how = describeSharding(s.sharding, 'MPI');
    // mpirun passes Ctrl-C on as SIGTERM to every rank, which the engine answers on rank 0 by exiting 143 first (the
    // others wait for mpirun's SIGKILL); a SIGINT sent to a rank itself exits 130: either way rank 0 says, as it ends, how to go on
    const goOn = (code: number) => {
      if (c.rank === 0 && (code === EXIT_CODES.SIGINT || code === EXIT_CODES.SIGTERM)) log(`\ngraft: stopped; the run folder is ${dir.right} (finished runs and checkpoints are kept). Go on with:\n  mpirun -np ${c.size} ${resumeCommand('finetune', dir.right)} --mpi`);
    };
    process.on('exit', goOn);
    const stopSignals = onInterrupt(() => [], () => undefined, ['SIGINT']);
    stopListening = () => {
      stopSignals();
      process.off('exit', goOn);
    };
    say(header(mine?.backend ?? '', dir.right, how, s.resume !== undefined));
    const t0 = performance.now();
    const reports: RankReports | undefined = c.rank === 0 ? { ...comparisonWriter(dir.right, s.resume?.folder), log } : undefined;
    const results = await shardedComparison(c, comparisonInput(s, base.right, dir.right, `${s.sharding.strategy} over ${c.size} MPI ranks`), reports);
    if (E.isLeft(results)) return fail([results.left]);
    if (c.rank === 0) await writeComparisonReport(dir.right, s.cfg, results.right, { command: 'graft finetune', backend: mine!.backend, seconds: (performance.now() - t0) / 1000, how }, log);
    return 0;
  } finally {
    stopListening();
    await c.close();
  }
};
