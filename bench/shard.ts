// Shard suite: the collectives' time per call on W ranks, on local workers and on MPI (graft's fixed-order sums over
// an all-to-all), next to raw MPI_Iallreduce (MPI_SUM) through the same addon. Sizes are float32 elements of the full array.
import * as E from 'fp-ts/lib/Either.js';
import { runLocal, runMpi, loadMpiAddon } from '../src/shard/collectives/index.js';
import type { Suite, SuiteContext } from './harness.js';
import { summarize } from './harness.js';
import type { ShardBenchInput, ShardTiming } from './shard-rank.js';
import type { StepBenchInput, StepBenchResult } from './shard-step-rank.js';

const STEP_PROGRAM = new URL('./shard-step-rank.ts', import.meta.url);
const MiB = (b: number) => `${(b / 2 ** 20).toFixed(2)} MiB`;

/** Sharded training steps of an MLP: time, bytes per rank, bytes moved per step against FULL_SHARD's theory. */
const stepRows = async (ctx: SuiteContext) => {
  const input: StepBenchInput = { sizes: ctx.quick ? [784, 256, 256, 10] : [784, 1024, 1024, 10], strategy: 'FULL_SHARD', batch: 64, warmup: 1, reps: ctx.quick ? 3 : 8 };
  const mpiOk = E.isRight(loadMpiAddon());
  for (const W of ctx.quick ? [1, 2] : [1, 2, 4])
    for (const engine of W > 1 && mpiOk ? (['local', 'mpi'] as const) : (['local'] as const)) {
      const out = engine === 'local' ? await runLocal<StepBenchInput, StepBenchResult>({ size: W, entry: STEP_PROGRAM, input }) : await runMpi<StepBenchInput, StepBenchResult>({ size: W, entry: STEP_PROGRAM, input });
      if (E.isLeft(out)) throw new Error(`shard bench, step ${engine} W=${W}:\n${out.left.join('\n')}`);
      const r = out.right;
      const perStep = r[0].ms.map((_, i) => Math.max(...r.map((x) => x.ms[i])));
      ctx.emit({ suite: 'shard', name: `step FULL_SHARD W=${W} mlp ${input.sizes.join('-')}`, impl: engine, size: r[0].params, steps: 1, ...summarize(perStep, r[0].params), backend: 'webasm', executor: engine === 'mpi' ? 'mpirun' : 'worker_threads' });
      const N = r[0].params;
      // FSDP gathers params for forward and again for backward, and reduce-scatters grads: 3·N·4 B·(W−1)/W; graft gathers once
      const fsdp = (3 * N * 4 * (W - 1)) / W;
      const ours = (2 * N * 4 * (W - 1)) / W;
      console.error(`bench: shard step ${engine} W=${W}: ${N} params; moved per rank per step ${MiB(r[0].movedBytes)} (theory: ${MiB(ours)} gather-once + reduce-scatter, FSDP's 3·params·4 B·(W−1)/W ${MiB(fsdp)}); shard state per rank ${r.map((x) => MiB(x.stateBytes)).join(' / ')} (params·12 B/W = ${MiB((N * 12) / W)}); gathered for the step ${MiB(r[0].gatheredBytes)}, largest unit ${MiB(r[0].largestUnitBytes)}`);
    }
};

const RANK_PROGRAM = new URL('./shard-rank.ts', import.meta.url);
const TOL = 1e-6;

/** Per rep, the slowest rank's time: a collective is done when every rank is. */
const slowest = (ranks: readonly ShardTiming[][], k: number): number[] => ranks[0][k].ms.map((_, i) => Math.max(...ranks.map((r) => r[k].ms[i])));

const emitAll = (ctx: SuiteContext, W: number, executor: string, engine: string, ranks: ShardTiming[][]) =>
  ranks[0].forEach((t, k) => {
    ctx.emit({ suite: 'shard', name: `${t.op} W=${W}`, impl: t.impl === 'mpi-raw' ? 'mpi-raw' : engine, size: t.size, steps: 1, ...summarize(slowest(ranks, k), t.size), backend: 'cpu', executor });
    if (t.relErr !== undefined && !(t.relErr <= TOL)) ctx.emit({ check: 'mismatch', suite: 'shard', name: `${t.op} W=${W}`, impl: 'mpi-raw', size: t.size, rel_err: t.relErr, tol: TOL });
  });

export const shard: Suite = {
  defaultSizes: [2 ** 10, 2 ** 18, 2 ** 22],
  quickSizes: [2 ** 10, 2 ** 18],
  run: async (ctx) => {
    const input: ShardBenchInput = { sizes: ctx.sizes, warmup: ctx.quick ? 2 : 3, reps: ctx.quick ? 5 : 15 };
    // 4 ranks on a 2-core machine measure contention more than transfer: only outside --quick
    for (const W of ctx.quick ? [2] : [2, 4]) {
      const local = await runLocal<ShardBenchInput, ShardTiming[]>({ size: W, entry: RANK_PROGRAM, input });
      if (E.isLeft(local)) throw new Error(`shard bench, local W=${W}:\n${local.left.join('\n')}`);
      emitAll(ctx, W, 'worker_threads', 'local', local.right);
      if (E.isLeft(loadMpiAddon())) {
        console.error(`bench: shard: MPI rows skipped: ${(loadMpiAddon() as E.Left<string>).left}`);
        continue;
      }
      const mpi = await runMpi<ShardBenchInput, ShardTiming[]>({ size: W, entry: RANK_PROGRAM, input });
      if (E.isLeft(mpi)) throw new Error(`shard bench, MPI W=${W}:\n${mpi.left.join('\n')}`);
      emitAll(ctx, W, 'mpirun', 'mpi', mpi.right);
    }
    await stepRows(ctx);
  },
};
