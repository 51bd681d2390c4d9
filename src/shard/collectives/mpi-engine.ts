// Collectives over Open MPI through the in-tree addon: non-blocking MPI calls polled between event-loop turns, and
// sums done here in the fixed tree order (an all-to-all into wasm memory, then the tree-sum kernel there), never by
// MPI_SUM, whose order MPI may choose.
import * as E from 'fp-ts/lib/Either.js';
import type { CollectiveFailure, CollectiveOp, CollectiveResult, Collectives } from './collectives.js';
import { argumentProblem } from './collectives.js';
import { loadMpiAddon, type MpiAddon } from './mpi/addon.js';
import { completeRequest } from './mpi/poll.js';
import { WasmHeap, MAX_PAGES } from '../../runtime/wasm/heap.js';
import { wasmTreeSum } from './wasm-tree-sum.js';

export interface MpiOptions {
  /** How long one collective may make no progress before this rank gives up (default 60 s). */
  readonly timeoutMs?: number;
  /** How long to wait for every rank to start (MPI_Init and a first barrier) before this rank exits with an error (default 60 s). */
  readonly joinTimeoutMs?: number;
}

/**
 * How long a rank other than 0 outlives a SIGTERM. mpirun 4.1 sends SIGTERM to every rank at once and SIGKILLs the
 * rest as soon as one exits (or odls_base_sigkill_timeout, 1 s, later): rank 0 must be the one to exit first, or its
 * last words (how to go on) are cut off. This only bounds a SIGTERM sent to one rank by hand.
 */
export const RANK_0_FIRST_MS = 3000;

const mpiCollectives = (addon: MpiAddon, rank: number, size: number, timeoutMs: number): Collectives => {
  let calls = 0;
  let broken: CollectiveFailure | undefined;
  let current: CollectiveOp | undefined;

  const fail = (op: CollectiveOp, message: string): E.Either<CollectiveFailure, never> => {
    broken = { rank, op, call: calls, message };
    return E.left(broken);
  };

  const complete = (start: () => number) => completeRequest(addon, start, timeoutMs);
  // contributions arrive in the sums' own memory, so the tree sum reads them where MPI wrote them
  const heap = new WasmHeap(MAX_PAGES, 1);
  const sumAt = wasmTreeSum(heap.memory);

  const run = async <A>(op: CollectiveOp, x: Float32Array | undefined, root: number | undefined, body: () => Promise<E.Either<string, A>>): CollectiveResult<A> => {
    if (broken) return E.left(broken);
    calls++;
    const problem = x === undefined ? undefined : argumentProblem(op, size, x, root);
    if (problem) return fail(op, problem);
    current = op;
    // the scratch heap refuses to grow past its maximum with a throw: a failure like any other
    const out = await body().catch((e: unknown) => E.left(e instanceof Error ? e.message : String(e)));
    current = undefined;
    return E.isLeft(out) ? fail(op, out.left) : out;
  };

  const allGather = async (shard: Float32Array): Promise<E.Either<string, Float32Array>> => {
    const out = new Float32Array(shard.length * size);
    return E.map(() => out)(await complete(() => addon.iallgather(shard, out)));
  };

  /** This rank's block of the tree sum of every rank's `full`, in `heap` at the address given to `use` (released after). */
  const reduceScatterThen = async <A>(full: Float32Array, use: (block: number, length: number) => Promise<E.Either<string, A>>): Promise<E.Either<string, A>> => {
    const b = full.length / size;
    const contributions = heap.alloc(4 * full.length, 'reduce-scatter contributions');
    const block = heap.alloc(4 * b, 'reduce-scatter block');
    try {
      // block k of `contributions` is rank k's contribution to this rank's block
      const moved = await complete(() => addon.ialltoall(full, heap.f32(contributions, full.length), b));
      if (E.isLeft(moved)) return moved;
      sumAt(block, Array.from({ length: size }, (_, k) => contributions + 4 * k * b), b);
      return await use(block, b);
    } finally {
      heap.release(contributions);
      heap.release(block);
    }
  };

  const reduceScatter = (full: Float32Array) => reduceScatterThen(full, async (block, b) => E.right(heap.f32(block, b).slice()));

  const allReduce = async (x: Float32Array): Promise<E.Either<string, Float32Array>> => {
    // reduce-scatter then all-gather over a zero-padded copy (x itself when no padding is needed): the same sums as reduceScatter
    const padded = Math.ceil(x.length / size) * size;
    const at = padded === x.length ? undefined : heap.alloc(4 * padded, 'all-reduce padding');
    try {
      const send = at === undefined ? x : heap.f32(at, padded).fill(0);
      if (at !== undefined) send.set(x);
      return await reduceScatterThen(send, async (block, b) => {
        const all = await allGather(heap.f32(block, b));
        return E.map((out: Float32Array) => (padded === x.length ? out : out.slice(0, x.length)))(all);
      });
    } finally {
      if (at !== undefined) heap.release(at);
    }
  };

  const collectives: Collectives = {
    engine: 'mpi',
    rank,
    size,
    allGather: (shard) => run('allGather', shard, undefined, () => allGather(shard)),
    reduceScatter: (full) => run('reduceScatter', full, undefined, () => reduceScatter(full)),
    allReduce: (x) => run('allReduce', x, undefined, () => allReduce(x)),
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
  let terminated = false;
  process.on('SIGTERM', () => {
    // a second SIGTERM (npx forwards the one mpirun sent its process group) must not end the rank by default
    if (terminated) return;
    terminated = true;
    process.stderr.write(`rank ${rank}: terminated by the MPI launcher${current ? ` during collective #${calls} (${current})` : ''}: another rank was lost (the launcher's message names it), or mpirun was stopped\n`);
    if (rank === 0) process.exit(143);
    else setTimeout(() => process.exit(143), RANK_0_FIRST_MS);
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
