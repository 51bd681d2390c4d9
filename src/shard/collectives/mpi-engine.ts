// Collectives over Open MPI through the in-tree addon: non-blocking MPI calls polled between event-loop turns, and
// sums done here in the fixed tree order (an all-to-all, then treeSum), never by MPI_SUM, whose order MPI may choose.
import * as E from 'fp-ts/lib/Either.js';
import type { CollectiveFailure, CollectiveOp, CollectiveResult, Collectives } from './collectives.js';
import { argumentProblem } from './collectives.js';
import { treeSumInto } from './fixed-order-sum.js';
import { loadMpiAddon, type MpiAddon } from './mpi/addon.js';
import { completeRequest } from './mpi/poll.js';

export interface MpiOptions {
  /** How long one collective may make no progress before this rank gives up (default 60 s). */
  readonly timeoutMs?: number;
  /** How long to wait for every rank to start (MPI_Init and a first barrier) before this rank exits with an error (default 60 s). */
  readonly joinTimeoutMs?: number;
}

const blocks = (x: Float32Array, size: number): Float32Array[] => {
  const b = x.length / size;
  return Array.from({ length: size }, (_, k) => x.subarray(k * b, (k + 1) * b));
};

const mpiCollectives = (addon: MpiAddon, rank: number, size: number, timeoutMs: number): Collectives => {
  let calls = 0;
  let broken: CollectiveFailure | undefined;
  let current: CollectiveOp | undefined;

  const fail = (op: CollectiveOp, message: string): E.Either<CollectiveFailure, never> => {
    broken = { rank, op, call: calls, message };
    return E.left(broken);
  };

  const complete = (start: () => number) => completeRequest(addon, start, timeoutMs);

  const run = async <A>(op: CollectiveOp, x: Float32Array | undefined, root: number | undefined, body: () => Promise<E.Either<string, A>>): CollectiveResult<A> => {
    if (broken) return E.left(broken);
    calls++;
    const problem = x === undefined ? undefined : argumentProblem(op, size, x, root);
    if (problem) return fail(op, problem);
    current = op;
    const out = await body();
    current = undefined;
    return E.isLeft(out) ? fail(op, out.left) : out;
  };

  const allGather = async (shard: Float32Array): Promise<E.Either<string, Float32Array>> => {
    const out = new Float32Array(shard.length * size);
    return E.map(() => out)(await complete(() => addon.iallgather(shard, out)));
  };

  const reduceScatter = async (full: Float32Array): Promise<E.Either<string, Float32Array>> => {
    // block k of `received` is rank k's contribution to this rank's block
    const received = new Float32Array(full.length);
    const moved = await complete(() => addon.ialltoall(full, received, full.length / size));
    return E.map(() => treeSumInto(new Float32Array(full.length / size), blocks(received, size)))(moved);
  };

  const collectives: Collectives = {
    engine: 'mpi',
    rank,
    size,
    allGather: (shard) => run('allGather', shard, undefined, () => allGather(shard)),
    reduceScatter: (full) => run('reduceScatter', full, undefined, () => reduceScatter(full)),
    allReduce: (x) =>
      run('allReduce', x, undefined, async () => {
        // reduce-scatter then all-gather over a zero-padded copy: the same sums as reduceScatter, on every rank
        const padded = new Float32Array(Math.ceil(x.length / size) * size);
        padded.set(x);
        const block = await reduceScatter(padded);
        if (E.isLeft(block)) return block;
        return E.map((all: Float32Array) => all.slice(0, x.length))(await allGather(block.right));
      }),
    broadcast: (x, root) =>
      run('broadcast', x, root, async () => {
        const out = rank === root ? x.slice() : new Float32Array(x.length);
        return E.map(() => out)(await complete(() => addon.ibcast(out, root)));
      }),
    barrier: () => run('barrier', undefined, undefined, () => complete(() => addon.ibarrier())),
    close: async () => {
      if (!broken) addon.finalize();
    },
  };
  // mpirun answers a lost rank, and its own Ctrl-C, by terminating the others: say where this rank was then
  // (process 'exit' listeners still run: a job can add what to do next)
  process.once('SIGTERM', () => {
    process.stderr.write(`rank ${rank}: terminated by the MPI launcher${current ? ` during collective #${calls} (${current})` : ''}: another rank was lost (the launcher's message names it), or mpirun was stopped\n`);
    process.exit(143);
  });
  return collectives;
};

/** This process's rank of the MPI job it was launched in (a lone process is rank 0 of 1), or why MPI is unavailable. */
export const openMpi = (options: MpiOptions = {}): E.Either<string, Collectives> =>
  E.chain((addon: MpiAddon) => {
    try {
      const { rank, size } = addon.init(options.joinTimeoutMs ?? 60_000);
      return E.right(mpiCollectives(addon, rank, size, options.timeoutMs ?? 60_000));
    } catch (e) {
      return E.left(`Open MPI failed to start: ${e instanceof Error ? e.message : e}`);
    }
  })(loadMpiAddon());
