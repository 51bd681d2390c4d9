// The shard suite's step program: times sharded steps of an MLP or a BERT classifier on W ranks, counts the bytes the
// collectives move and measures this rank's memory high-water (wasm memory, process RSS).
import { performance } from 'node:perf_hooks';
import * as E from 'fp-ts/lib/Either.js';
import * as nn from '../src/nn/index.js';
import type { BertConfig } from '../src/nn/index.js';
import * as o from '../src/optim/index.js';
import { createRuntime, isWasmRuntime } from '../src/runtime/index.js';
import type { CollectiveFailure, Collectives, ShardingStrategy } from '../src/shard/index.js';
import { countingCollectives, createShardedStepper, flatUnits } from '../src/shard/index.js';
import { classifierObjective, tokenRows } from '../src/train/classifier-objective.js';
import { bertBatch } from './train-peers/bert.js';

/** An MLP of these widths (wrapped per Linear), or a BERT classifier over `seq` token ids (wrapped per BertLayer). */
export type StepModel = { readonly kind: 'mlp'; readonly sizes: readonly number[] } | { readonly kind: 'bert'; readonly config: BertConfig; readonly seq: number };

export interface StepBenchInput {
  readonly model: StepModel;
  readonly strategy: ShardingStrategy;
  /** Rows per step over all ranks, as W micro-batches of batch / W. */
  readonly batch: number;
  readonly warmup: number;
  readonly reps: number;
  /** FULL_SHARD: FSDP's reshard_after_forward (the stepper's default when absent: true). */
  readonly reshardAfterForward?: boolean;
  /** Kernel threads per rank (default 1: W ranks already share the cores). */
  readonly threads?: number;
}

export interface StepBenchResult {
  readonly params: number;
  readonly ms: number[];
  /** Time from the stepper's creation to its first step's end (compiling the programs, first kernels). */
  readonly firstStepMs: number;
  /** Bytes this rank moved per step, counted as NCCL's bus bytes: (W-1)/W of each gathered or reduced array, twice for an all-reduce. */
  readonly movedBytes: number;
  /** Bytes of this rank's shard state (params as held + optimizer state). */
  readonly stateBytes: number;
  /** Bytes of the largest unit gathered whole, and of all of them. */
  readonly largestUnitBytes: number;
  readonly gatheredBytes: number;
  /** The most gathered parameter bytes the last step held at once (the stepper's count). */
  readonly peakGatheredBytes: number;
  /** Size of this rank's wasm memory at the end: it only grows, so this is its high-water. */
  readonly wasmBytes: number;
  /** Peak resident set of this rank's process (under worker_threads: the one process every rank shares). */
  readonly maxRssBytes: number;
}

/** The model, its objective for `rows` rows, its wrap policy, and a deterministic micro-batch for `rank`. */
const setup = (m: StepModel, rows: number, rank: number) => {
  if (m.kind === 'mlp') {
    const model = nn.mlpClassifier(m.sizes);
    const x = Float32Array.from({ length: rows * m.sizes[0] }, (_, i) => ((i * 7 + rank) % 13) / 13);
    const y = Float32Array.from({ length: rows }, (_, i) => i % m.sizes[m.sizes.length - 1]);
    return { model, objective: classifierObjective(model, rows, [m.sizes[0]]), classes: ['Linear'], micro: { x, y, key: Float32Array.of(1) } };
  }
  const model = nn.bertClassifier(m.config);
  const b = bertBatch(rows, rank, m.seq, m.config as never);
  return { model, objective: classifierObjective(model, rows, [m.seq], {}, tokenRows), classes: ['BertLayer'], micro: { x: b.x, y: Float32Array.from(b.y), key: Float32Array.of(1) } };
};

const stepBench = async (c: Collectives, input: StepBenchInput): Promise<E.Either<CollectiveFailure, StepBenchResult>> => {
  const rt = await createRuntime({ backend: 'wasm', threads: input.threads ?? 1 });
  const M = c.size;
  const { model, objective, classes, micro } = setup(input.model, input.batch / M, c.rank);
  const shapes = nn.paramShapes(model);
  const tally = { bytes: 0 };
  const t0 = performance.now();
  const stepper = createShardedStepper(rt, countingCollectives(c, tally), {
    objective, shapes, units: flatUnits(nn.modelSpec(model), { classes }),
    trainable: Object.keys(shapes), transform: o.adamw(1e-3), strategy: input.strategy, microBatches: M, maxGradNorm: 1,
    ...(input.reshardAfterForward === undefined ? {} : { reshardAfterForward: input.reshardAfterForward }),
  });
  if (E.isLeft(stepper)) throw new Error(stepper.left);
  const init = await stepper.right.init(nn.initParams(model, 0));
  if (E.isLeft(init)) throw new Error(init.left);
  let s = init.right;
  const ms: number[] = [];
  let firstStepMs = 0;
  let moved = 0;
  let peakGatheredBytes = 0;
  for (let i = 0; i < input.warmup + input.reps; i++) {
    const met = await c.barrier();
    if (E.isLeft(met)) return met;
    tally.bytes = 0;
    const t = performance.now();
    const out = await stepper.right.step(s, [micro]);
    if (E.isLeft(out)) throw new Error(out.left);
    s = out.right.state;
    if (i === 0) firstStepMs = performance.now() - t0;
    if (i >= input.warmup) ms.push(performance.now() - t);
    moved = tally.bytes;
    peakGatheredBytes = out.right.peakGatheredBytes;
  }
  const bytes = (v: Readonly<Record<string, Float32Array>>) => Object.values(v).reduce((a, x) => a + x.byteLength, 0);
  const unitBytes = s.layouts.map((l) => 4 * l.chunk * l.worldSize);
  const wasmBytes = isWasmRuntime(rt) ? rt.heap.memory.buffer.byteLength : 0;
  stepper.right.destroy();
  rt.destroy();
  return E.right({
    params: Object.values(shapes).reduce((a, sh) => a + sh.reduce((x, y) => x * y, 1), 0),
    ms, firstStepMs, movedBytes: moved, stateBytes: bytes(s.params) + bytes(s.opt), largestUnitBytes: Math.max(...unitBytes), gatheredBytes: unitBytes.reduce((a, b) => a + b, 0), peakGatheredBytes,
    wasmBytes, maxRssBytes: process.resourceUsage().maxRSS * 1024,
  });
};

export default stepBench;
