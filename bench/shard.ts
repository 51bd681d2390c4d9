// Shard suite: the collectives on W ranks (local workers, MPI with graft's fixed-order sums, raw MPI through the same
// addon) as bus bandwidth, then sharded training steps of the training suite's BERT classifier for W = 1, 2, 4: step
// time, each rank's memory high-water, bytes moved per step against FULL_SHARD's theory. Sizes are float32 elements of
// the full array. SHARD_BERT=large adds a BERT-base-sized model (102M params) on local workers (minutes, GiBs).
import * as E from 'fp-ts/lib/Either.js';
import { runLocal, runMpi, loadMpiAddon } from '../src/shard/collectives/index.js';
import type { BertConfig } from '../src/nn/index.js';
import type { Row, Suite, SuiteContext } from './harness.js';
import { summarize } from './harness.js';
import type { ShardBenchInput, ShardTiming } from './shard-rank.js';
import type { StepBenchInput, StepBenchResult, StepModel } from './shard-step-rank.js';
import { BERT_BENCH, BERT_SEQ } from './train-peers/bert.js';

const STEP_PROGRAM = new URL('./shard-step-rank.ts', import.meta.url);
const MiB = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;

/** BERT-base's shape with a 20,000-word vocabulary (graft refuses tensors past 2^24 elements; 30522·768 is 23M): 102M params. */
const BERT_LARGE: BertConfig = { vocabSize: 20000, hiddenSize: 768, numHiddenLayers: 12, numAttentionHeads: 12, intermediateSize: 3072, maxPositionEmbeddings: 512, numLabels: 2, hiddenDropoutProb: 0, attentionProbsDropoutProb: 0 };

interface StepRows {
  readonly label: string;
  readonly model: StepModel;
  readonly batch: number;
  readonly sizes: readonly number[];
  readonly engines: readonly ('local' | 'mpi')[];
  readonly warmup: number;
  readonly reps: number;
}

const stepPlans = (quick: boolean): StepRows[] => {
  if (quick) return [{ label: 'mlp 784-256-256-10', model: { kind: 'mlp', sizes: [784, 256, 256, 10] }, batch: 64, sizes: [1, 2], engines: ['local', 'mpi'], warmup: 1, reps: 3 }];
  const rows: StepRows[] = [{ label: 'bert 4x128 seq 128', model: { kind: 'bert', config: BERT_BENCH, seq: BERT_SEQ }, batch: 32, sizes: [1, 2, 4], engines: ['local', 'mpi'], warmup: 1, reps: 1 }];
  if (process.env.SHARD_BERT === 'large') rows.push({ label: 'bert 12x768 seq 32', model: { kind: 'bert', config: BERT_LARGE, seq: 32 }, batch: 4, sizes: [1, 2, 4], engines: ['local'], warmup: 1, reps: 1 });
  return rows;
};

/** One line per configuration, what the JSON rows do not carry: memory per rank and bytes moved against the theory. */
const describeStep = (engine: string, W: number, reshard: boolean, r: readonly StepBenchResult[]) => {
  const N = r[0].params;
  // resharding gathers params for forward and again for backward, and reduce-scatters grads: 3·N·4 B·(W−1)/W; without, 2·N·…
  const fsdp = (3 * N * 4 * (W - 1)) / W;
  const ours = (2 * N * 4 * (W - 1)) / W;
  const target = (N * 16) / W + r[0].largestUnitBytes;
  const rss = engine === 'mpi' ? `process RSS peak per rank ${r.map((x) => MiB(x.maxRssBytes)).join(' / ')}` : `process RSS peak (all ${W} ranks share it) ${MiB(r[0].maxRssBytes)}`;
  return [
    `bench: shard step ${engine} W=${W} reshardAfterForward ${reshard}: ${N} params; first step (compile included) ${(r[0].firstStepMs / 1000).toFixed(1)} s`,
    `  moved per rank per step ${MiB(r[0].movedBytes)} (gathered once: 2·params·4 B·(W−1)/W = ${MiB(ours)}; resharded after forward, FSDP FULL_SHARD: 3·params·4 B·(W−1)/W = ${MiB(fsdp)})`,
    `  wasm memory high-water per rank ${r.map((x) => MiB(x.wasmBytes)).join(' / ')}; ${rss}; target params·16 B/W + largest unit ${MiB(target)}`,
    `  shard state per rank ${r.map((x) => MiB(x.stateBytes)).join(' / ')} (params·12 B/W = ${MiB((N * 12) / W)}); all units ${MiB(r[0].gatheredBytes)}, largest unit ${MiB(r[0].largestUnitBytes)}, gathered at once at most ${MiB(r[0].peakGatheredBytes)}`,
  ].join('\n');
};

const stepRows = async (ctx: SuiteContext, mpiOk: boolean) => {
  for (const plan of stepPlans(ctx.quick))
    for (const W of plan.sizes)
      for (const engine of plan.engines.filter((e) => e === 'local' || (W > 1 && mpiOk)))
      for (const reshardAfterForward of [true, false]) {
        const input: StepBenchInput = { model: plan.model, strategy: 'FULL_SHARD', reshardAfterForward, batch: plan.batch, warmup: plan.warmup, reps: plan.reps };
        const out = engine === 'local' ? await runLocal<StepBenchInput, StepBenchResult>({ size: W, entry: STEP_PROGRAM, input, timeoutMs: 600_000 }) : await runMpi<StepBenchInput, StepBenchResult>({ size: W, entry: STEP_PROGRAM, input });
        // a model that does not fit one rank's wasm memory is a finding, not a failed bench
        if (E.isLeft(out)) {
          console.error(`bench: shard step ${engine} W=${W} ${plan.label}: did not run:\n  ${out.left.slice(0, 6).join('\n  ')}`);
          continue;
        }
        const r = out.right;
        const perStep = r[0].ms.map((_, i) => Math.max(...r.map((x) => x.ms[i])));
        const row: Row & Record<string, unknown> = {
          suite: 'shard', name: `step FULL_SHARD${reshardAfterForward ? '' : ' no-reshard'} W=${W} ${plan.label} b${plan.batch}`, impl: engine, size: r[0].params, steps: 1, ...summarize(perStep, r[0].params), backend: 'wasm', executor: engine === 'mpi' ? 'mpirun' : 'worker_threads',
          moved_bytes: r[0].movedBytes, peak_gathered_bytes: r[0].peakGatheredBytes, wasm_bytes: Math.max(...r.map((x) => x.wasmBytes)), max_rss_bytes: Math.max(...r.map((x) => x.maxRssBytes)), state_bytes: Math.max(...r.map((x) => x.stateBytes)), first_step_ms: r[0].firstStepMs,
        };
        ctx.emit(row);
        console.error(describeStep(engine, W, reshardAfterForward, r));
      }
};

const RANK_PROGRAM = new URL('./shard-rank.ts', import.meta.url);
const TOL = 1e-6;

/** Per rep, the slowest rank's time: a collective is done when every rank is. */
const slowest = (ranks: readonly ShardTiming[][], k: number): number[] => ranks[0][k].ms.map((_, i) => Math.max(...ranks.map((r) => r[k].ms[i])));

/** NCCL's bus bandwidth: bytes each rank must move, (W−1)/W of the array, twice for an all-reduce (reduce-scatter + all-gather). */
const busBytes = (op: string, W: number, n: number) => (op === 'allReduce' ? 2 : 1) * ((4 * n * (W - 1)) / W);

const emitAll = (ctx: SuiteContext, W: number, executor: string, engine: string, ranks: ShardTiming[][]) =>
  ranks[0].forEach((t, k) => {
    const s = summarize(slowest(ranks, k), t.size);
    ctx.emit({ suite: 'shard', name: `${t.op} W=${W}`, impl: t.impl === 'mpi-raw' ? 'mpi-raw' : engine, size: t.size, steps: 1, ...s, throughput: busBytes(t.op, W, t.size) / (s.median_ms * 1e6), unit: 'GB/s bus', backend: 'cpu', executor });
    if (t.relErr !== undefined && !(t.relErr <= TOL)) ctx.emit({ check: 'mismatch', suite: 'shard', name: `${t.op} W=${W}`, impl: 'mpi-raw', size: t.size, rel_err: t.relErr, tol: TOL });
  });

export const shard: Suite = {
  defaultSizes: [2 ** 10, 2 ** 18, 2 ** 22],
  quickSizes: [2 ** 10, 2 ** 18],
  run: async (ctx) => {
    const input: ShardBenchInput = { sizes: ctx.sizes, warmup: ctx.quick ? 2 : 3, reps: ctx.quick ? 5 : 9 };
    const addon = loadMpiAddon();
    if (E.isLeft(addon)) console.error(`bench: shard: MPI rows skipped: ${addon.left}`);
    // 4 ranks on a 2-core machine measure contention more than transfer: only outside --quick
    for (const W of ctx.quick ? [2] : [2, 4]) {
      const local = await runLocal<ShardBenchInput, ShardTiming[]>({ size: W, entry: RANK_PROGRAM, input });
      if (E.isLeft(local)) throw new Error(`shard bench, local W=${W}:\n${local.left.join('\n')}`);
      emitAll(ctx, W, 'worker_threads', 'local', local.right);
      if (E.isLeft(addon)) continue;
      const mpi = await runMpi<ShardBenchInput, ShardTiming[]>({ size: W, entry: RANK_PROGRAM, input });
      if (E.isLeft(mpi)) throw new Error(`shard bench, MPI W=${W}:\n${mpi.left.join('\n')}`);
      emitAll(ctx, W, 'mpirun', 'mpi', mpi.right);
    }
    await stepRows(ctx, E.isRight(addon));
  },
};
