// The shard suite's step program: times sharded steps of an MLP on W ranks and counts the bytes the collectives move.
import { performance } from 'node:perf_hooks';
import * as E from 'fp-ts/lib/Either.js';
import * as nn from '../src/nn/index.js';
import * as o from '../src/optim/index.js';
import { createRuntime } from '../src/runtime/index.js';
import type { CollectiveFailure, Collectives, ShardingStrategy } from '../src/shard/index.js';
import { createShardedStepper, flatUnits } from '../src/shard/index.js';
import { classifierObjective } from '../src/train/classifier-objective.js';

export interface StepBenchInput {
  readonly sizes: readonly number[];
  readonly strategy: ShardingStrategy;
  readonly batch: number;
  readonly warmup: number;
  readonly reps: number;
}

export interface StepBenchResult {
  readonly params: number;
  readonly ms: number[];
  /** Bytes this rank moved per step, counted as NCCL's bus bytes: (W-1)/W of each gathered or reduced array, twice for an all-reduce. */
  readonly movedBytes: number;
  /** Bytes of this rank's shard state (params as held + optimizer state). */
  readonly stateBytes: number;
  /** Bytes of the largest unit gathered whole, and of all of them (a step gathers every unit before the compiled forward). */
  readonly largestUnitBytes: number;
  readonly gatheredBytes: number;
}

/** A Collectives that tallies bus bytes; everything else passes through. */
const counting = (c: Collectives, tally: { bytes: number }): Collectives => {
  const share = (n: number) => (4 * n * (c.size - 1)) / c.size;
  return {
    ...c,
    engine: c.engine,
    rank: c.rank,
    size: c.size,
    allGather: (x) => ((tally.bytes += share(x.length * c.size)), c.allGather(x)),
    reduceScatter: (x) => ((tally.bytes += share(x.length)), c.reduceScatter(x)),
    allReduce: (x) => ((tally.bytes += 2 * share(x.length)), c.allReduce(x)),
    broadcast: (x, root) => ((tally.bytes += share(x.length)), c.broadcast(x, root)),
    barrier: () => c.barrier(),
    close: () => c.close(),
  };
};

const stepBench = async (c: Collectives, input: StepBenchInput): Promise<E.Either<CollectiveFailure, StepBenchResult>> => {
  const rt = await createRuntime({ backend: 'webasm' });
  const model = nn.mlpClassifier(input.sizes);
  const shapes = nn.paramShapes(model);
  const M = c.size;
  const tally = { bytes: 0 };
  const stepper = createShardedStepper(rt, counting(c, tally), {
    objective: classifierObjective(model, input.batch / M, [input.sizes[0]]), shapes, units: flatUnits(nn.modelSpec(model), { classes: ['Linear'] }),
    trainable: Object.keys(shapes), transform: o.adamw(1e-3), strategy: input.strategy, microBatches: M, maxGradNorm: 1,
  });
  if (E.isLeft(stepper)) throw new Error(stepper.left);
  const init = await stepper.right.init(nn.initParams(model, 0));
  if (E.isLeft(init)) throw new Error(init.left);
  let s = init.right;
  const rows = input.batch / M;
  const micro = [{ x: Float32Array.from({ length: rows * input.sizes[0] }, (_, i) => ((i * 7 + c.rank) % 13) / 13), y: Float32Array.from({ length: rows }, (_, i) => i % input.sizes[input.sizes.length - 1]), key: Float32Array.of(1) }];
  const ms: number[] = [];
  let moved = 0;
  for (let i = 0; i < input.warmup + input.reps; i++) {
    const met = await c.barrier();
    if (E.isLeft(met)) return met;
    tally.bytes = 0;
    const t0 = performance.now();
    const out = await stepper.right.step(s, micro);
    if (E.isLeft(out)) throw new Error(out.left);
    s = out.right.state;
    if (i >= input.warmup) ms.push(performance.now() - t0);
    moved = tally.bytes;
  }
  const bytes = (v: Readonly<Record<string, Float32Array>>) => Object.values(v).reduce((a, x) => a + x.byteLength, 0);
  const unitBytes = s.layouts.map((l) => 4 * l.chunk * l.worldSize);
  stepper.right.destroy();
  rt.destroy();
  return E.right({ params: Object.values(shapes).reduce((a, sh) => a + sh.reduce((x, y) => x * y, 1), 0), ms, movedBytes: moved, stateBytes: bytes(s.params) + bytes(s.opt), largestUnitBytes: Math.max(...unitBytes), gatheredBytes: unitBytes.reduce((a, b) => a + b, 0) });
};

export default stepBench;
