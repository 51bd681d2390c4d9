// The shard suite's rank program: times each collective after a barrier, and under MPI the same three through raw MPI
// (MPI_Iallreduce / MPI_Ireduce_scatter_block with MPI_SUM, MPI_Iallgather) via the addon.
import { performance } from 'node:perf_hooks';
import * as E from 'fp-ts/lib/Either.js';
import type { CollectiveFailure, Collectives } from '../src/shard/collectives/index.js';
import { loadMpiAddon } from '../src/shard/collectives/index.js';
import { completeRequest } from '../src/shard/collectives/mpi/poll.js';

export interface ShardBenchInput {
  readonly sizes: readonly number[];
  readonly warmup: number;
  readonly reps: number;
}

export interface ShardTiming {
  readonly op: string;
  readonly impl: 'graft' | 'mpi-raw';
  /** Elements of the full (reduced or gathered) array. */
  readonly size: number;
  readonly ms: number[];
  /** Largest |raw - graft| / max|graft| of the same call, for a raw row. */
  readonly relErr?: number;
}

const filled = (n: number, rank: number) => Float32Array.from({ length: n }, (_, i) => ((i * 7 + rank * 13) % 101) / 101 - 0.5);

const shardBench = async (c: Collectives, input: ShardBenchInput): Promise<E.Either<CollectiveFailure, ShardTiming[]>> => {
  const out: ShardTiming[] = [];
  const time = async (op: string, impl: ShardTiming['impl'], size: number, call: () => Promise<E.Either<CollectiveFailure | string, unknown>>) => {
    const ms: number[] = [];
    for (let i = 0; i < input.warmup + input.reps; i++) {
      const met = await c.barrier();
      if (E.isLeft(met)) return met;
      const t0 = performance.now();
      const done = await call();
      if (E.isLeft(done)) return E.left(typeof done.left === 'string' ? { rank: c.rank, op: 'allReduce' as const, call: 0, message: done.left } : done.left);
      if (i >= input.warmup) ms.push(performance.now() - t0);
    }
    out.push({ op, impl, size, ms });
    return E.right(undefined);
  };
  for (const size of input.sizes) {
    const n = Math.ceil(size / c.size) * c.size;
    const x = filled(n, c.rank);
    const steps: Array<[string, () => Promise<E.Either<CollectiveFailure, unknown>>]> = [
      ['allReduce', () => c.allReduce(x)],
      ['reduceScatter', () => c.reduceScatter(x)],
      ['allGather', () => c.allGather(x.subarray(0, n / c.size))],
    ];
    for (const [op, call] of steps) {
      const timed = await time(op, 'graft', n, call);
      if (E.isLeft(timed)) return timed;
    }
    const addon = loadMpiAddon();
    if (c.engine === 'mpi' && E.isRight(addon)) {
      // raw MPI through the same addon, into arrays allocated once (as a C program would), MPI_SUM in MPI's own order
      const mpi = addon.right;
      const full = new Float32Array(n);
      const block = new Float32Array(n / c.size);
      const raws: Array<[string, Float32Array, () => number]> = [
        ['allReduce', full, () => mpi.iallreduceSum(x, full)],
        ['reduceScatter', block, () => mpi.ireduceScatterSum(x, block)],
        ['allGather', full, () => mpi.iallgather(x.subarray(0, n / c.size), full)],
      ];
      for (const [op, into, start] of raws) {
        const timed = await time(op, 'mpi-raw', n, () => completeRequest(mpi, start, 60_000));
        if (E.isLeft(timed)) return timed;
        const ours = await (op === 'allReduce' ? c.allReduce(x) : op === 'reduceScatter' ? c.reduceScatter(x) : c.allGather(x.subarray(0, n / c.size)));
        if (E.isLeft(ours)) return ours;
        let diff = 0;
        let scale = 0;
        ours.right.forEach((v, i) => ((diff = Math.max(diff, Math.abs(v - into[i]))), (scale = Math.max(scale, Math.abs(v)))));
        out[out.length - 1] = { ...out[out.length - 1], relErr: diff / (scale || 1) };
      }
    }
  }
  return E.right(out);
};

export default shardBench;
