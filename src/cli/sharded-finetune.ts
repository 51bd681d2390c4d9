// `graft finetune --config <file> --shards W` (W local workers) and `mpirun -np W graft finetune --config <file> --mpi`:
// the fine-tuning comparison with parameters, gradients and optimizer state sharded over the ranks.
import * as E from 'fp-ts/lib/Either.js';
import { join } from 'node:path';
import * as nn from '../nn/index.js';
import { createRuntime } from '../runtime/index.js';
import type { Collectives, ShardingStrategy } from '../shard/index.js';
import { checkSameRun, failureMessage, openMpi, runLocal, sumIsShardInvariant } from '../shard/index.js';
import type { ResolvedFinetune } from '../train/finetune-config.js';
import { IMAGE_SIZE } from '../train/data/mnist.js';
import { finetuneSplits, pretrainedMlp, runNote } from '../train/mnist-job.js';
import type { MnistShardInput, MnistShardResult } from '../train/sharded/mnist-rank.js';
import { SHARDED_METHODS, mnistShardRun } from '../train/sharded/mnist-rank.js';
import { codeDigest, configDigest } from '../train/sharded/code-identity.js';
import type { Values } from '../train/optimizer-runner.js';
import { formatFileProblem } from './files.js';
import { readFinetuneConfig } from './config-file.js';

export interface ShardOptions {
  readonly strategy: ShardingStrategy;
  /** Micro-batches per step over all ranks; default W. */
  readonly microBatches?: number;
}

const RANK_ENTRY = new URL(`../train/sharded/mnist-rank.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url);

/** Everything a sharded job refuses before it computes anything: methods it cannot shard yet, batches that do not cut. */
export const shardProblems = (c: ResolvedFinetune, W: number, o: ShardOptions): string[] => {
  const M = o.microBatches ?? W;
  return [
    ...c.methods.filter((m) => !SHARDED_METHODS.includes(m)).map((m) => `methods: '${m}' does not run sharded yet (sharded: ${SHARDED_METHODS.join(', ')}); leave it out of methods`),
    ...(sumIsShardInvariant(M, W) ? [] : [`${M} micro-batches over ${W} ranks: W must be a power of two dividing the micro-batches, so the sums do not depend on W`]),
    ...(c.batchSize % M === 0 ? [] : [`batchSize ${c.batchSize} is not a multiple of the ${M} micro-batches (${M === W ? 'one per rank by default: ' : ''}give --micro-batches, or change batchSize)`]),
  ];
};

const describeRun = (method: string, seed: number, r: MnistShardResult, where: string, seconds: number) =>
  `${method} seed ${seed}: test accuracy ${(r.testAccuracy * 100).toFixed(1)}%${runNote(r)}, validation loss ${r.records[r.records.length - 1]?.evalLoss} after ${r.steps} steps, ${where}, ${seconds.toFixed(1)} s`;

/** W local workers; exit 0 when every run trained, 1 on a problem (all printed, nothing run) or a failed run. */
export const runShardedFinetune = async (file: string, W: number, o: ShardOptions, log: (s: string) => void = console.log): Promise<number> => {
  const cfg = readFinetuneConfig(file);
  if (E.isLeft(cfg)) {
    cfg.left.forEach((p) => log(`error: ${formatFileProblem(p)}`));
    return 1;
  }
  const c = cfg.right;
  const problems = shardProblems(c, W, o);
  if (problems.length) {
    problems.forEach((p) => log(`error: ${file}: ${p}`));
    return 1;
  }
  const rt = await createRuntime({ backend: c.backend });
  let base: Values;
  try {
    base = (await pretrainedMlp(rt, c, join(c.out ?? 'runs', 'cache'), log)).base;
  } finally {
    rt.destroy();
  }
  const splits = finetuneSplits(c);
  for (const seed of c.seeds)
    for (const method of c.methods) {
      const t0 = performance.now();
      const input: MnistShardInput = { cfg: c, method, seed, base, train: splits.trainFor(seed), validation: splits.validation, test: splits.test, strategy: o.strategy, ...(o.microBatches ? { microBatches: o.microBatches } : {}), ...(c.backend ? { backend: c.backend } : {}) };
      const out = await runLocal<MnistShardInput, E.Either<string, MnistShardResult>>({ size: W, entry: RANK_ENTRY, input });
      const failures = E.isLeft(out) ? out.left : out.right.flatMap((r) => (E.isLeft(r) ? [r.left] : []));
      if (failures.length) {
        failures.forEach((f) => log(`error: ${method} seed ${seed}: ${f}`));
        return 1;
      }
      const first = (out as E.Right<E.Either<string, MnistShardResult>[]>).right[0] as E.Right<MnistShardResult>;
      log(describeRun(method, seed, first.right, `${o.strategy} over ${W} local ranks`, (performance.now() - t0) / 1000));
    }
  return 0;
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

/** One process of an mpirun job; rank 0 prints. Every rank exits 1 on any problem, which every rank hears of. */
export const runMpiFinetune = async (file: string, o: ShardOptions, log: (s: string) => void = console.log, timeoutMs = 600_000, joinTimeoutMs = 60_000): Promise<number> => {
  const mpi = openMpi({ timeoutMs, joinTimeoutMs });
  if (E.isLeft(mpi)) {
    log(`error: ${mpi.left}`);
    return 1;
  }
  const c = mpi.right;
  const say = (s: string) => c.rank === 0 && log(s);
  const fail = (lines: readonly string[]) => {
    lines.forEach((l) => log(`error: rank ${c.rank}: ${l}`));
    return 1;
  };
  try {
    const cfg = readFinetuneConfig(file);
    const local = E.isLeft(cfg) ? cfg.left.map(formatFileProblem) : shardProblems(cfg.right, c.size, o);
    // a rank whose file is bad still takes part in the check, so its peers refuse with it instead of waiting
    const same = await checkSameRun(c, { config: configDigest(E.isRight(cfg) && !local.length ? { cfg: cfg.right, ...o } : { bad: local }), code: codeDigest() });
    if (local.length) return fail(local);
    if (E.isLeft(same)) return fail(same.left);
    const conf = (cfg as E.Right<ResolvedFinetune>).right;
    const model = nn.mlpClassifier([IMAGE_SIZE, conf.hidden, 10]);
    const shapes = nn.paramShapes(model);
    let mine: Values | undefined;
    if (c.rank === 0) {
      const rt = await createRuntime({ backend: conf.backend });
      try {
        mine = (await pretrainedMlp(rt, conf, join(conf.out ?? 'runs', 'cache'), say)).base;
      } finally {
        rt.destroy();
      }
    }
    const base = await broadcastParams(c, Object.keys(shapes), shapes, mine);
    if (E.isLeft(base)) return fail([base.left]);
    const splits = finetuneSplits(conf);
    for (const seed of conf.seeds)
      for (const method of conf.methods) {
        const t0 = performance.now();
        const out = await mnistShardRun(c, { cfg: conf, method, seed, base: base.right, train: splits.trainFor(seed), validation: splits.validation, test: splits.test, strategy: o.strategy, ...(o.microBatches ? { microBatches: o.microBatches } : {}), ...(conf.backend ? { backend: conf.backend } : {}) });
        if (E.isLeft(out)) return fail([`${method} seed ${seed}: ${out.left}`]);
        say(describeRun(method, seed, out.right, `${o.strategy} over ${c.size} MPI ranks`, (performance.now() - t0) / 1000));
      }
    return 0;
  } finally {
    await c.close();
  }
};
