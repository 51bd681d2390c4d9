// One rank's Collectives over a local run's shared memory: every collective is a header check, then pieces of at most
// one slot per rank, each written, met at a rendezvous, read (and reduced by the rank that owns it), met again.
import * as E from 'fp-ts/lib/Either.js';
import type { CollectiveFailure, CollectiveOp, CollectiveResult, Collectives } from './collectives.js';
import { argumentProblem } from './collectives.js';
import { headerAt, type LocalShared } from './local-shared.js';
import { rendezvous } from './local-wait.js';
import { wasmTreeSum } from './wasm-tree-sum.js';

const OP_CODES: Record<CollectiveOp, number> = { allGather: 1, reduceScatter: 2, allReduce: 3, broadcast: 4, barrier: 5 };
const OP_NAMES = Object.fromEntries(Object.entries(OP_CODES).map(([name, code]) => [code, name]));

/** Epoch 1 is the start: every worker has loaded its modules; collectives count from there. */
const STARTED = 1;

/** Waits (up to startTimeoutMs) until every rank's worker has started, then gives this rank's Collectives. */
export const joinLocalRun = async (shared: LocalShared, rank: number): Promise<E.Either<CollectiveFailure, Collectives>> => {
  const started = await rendezvous(shared, new Int32Array(shared.control), rank, STARTED, shared.startTimeoutMs);
  return E.isLeft(started) ? E.left({ rank, op: 'barrier', call: 0, message: started.left.message, ...(started.left.lostRank === undefined ? {} : { lostRank: started.left.lostRank }) }) : E.right(localRank(shared, rank));
};

const localRank = (shared: LocalShared, rank: number): Collectives => {
  const W = shared.size;
  const control = new Int32Array(shared.control);
  const slotAt = (k: number) => 4 * k * shared.slotFloats;
  const slot = (k: number) => new Float32Array(shared.data.buffer, slotAt(k), shared.slotFloats);
  const slots = Array.from({ length: W }, (_, k) => slot(k));
  const result = slot(W);
  const sumAt = wasmTreeSum(shared.data);
  /** Tree-sums elements [from, from + n) of every rank's slot into the result slot at the same place. */
  const sumSlots = (from: number, n: number) => sumAt(slotAt(W) + 4 * from, slots.map((_, k) => slotAt(k) + 4 * from), n);
  let epoch = STARTED;
  let calls = 0;
  let broken: CollectiveFailure | undefined;

  const fail = (op: CollectiveOp, message: string, lostRank?: number): E.Either<CollectiveFailure, never> => {
    broken = { rank, op, call: calls, message, ...(lostRank === undefined ? {} : { lostRank }) };
    return E.left(broken);
  };

  const meet = async (): Promise<E.Either<{ message: string; lostRank?: number }, void>> => rendezvous(shared, control, rank, ++epoch);

  const headerMismatch = (op: CollectiveOp, length: number, root: number): string | undefined => {
    const parity = calls % 2;
    const seen = Array.from({ length: W }, (_, k) => [0, 1, 2].map((f) => Atomics.load(control, headerAt(W, parity, k, f as 0 | 1 | 2))));
    const agree = seen.every(([o, l, r]) => o === OP_CODES[op] && l === length && r === root);
    return agree ? undefined : `ranks disagree on the call: ${seen.map(([o, l, r], k) => `rank ${k}: ${OP_NAMES[o] ?? '?'}(length ${l}${o === OP_CODES.broadcast ? `, root ${r}` : ''})`).join('; ')}`;
  };

  let busy = false;

  const run = async <A>(op: CollectiveOp, length: number, root: number, body: () => Promise<E.Either<{ message: string; lostRank?: number }, A>>): CollectiveResult<A> => {
    if (broken) return E.left(broken);
    calls++;
    // the slots and epochs assume one collective at a time per rank
    if (busy) return fail(op, `started while collective #${calls - 1} is still running: await each collective before the next`);
    busy = true;
    try {
      return await runOne(op, length, root, body);
    } finally {
      busy = false;
    }
  };

  const runOne = async <A>(op: CollectiveOp, length: number, root: number, body: () => Promise<E.Either<{ message: string; lostRank?: number }, A>>): CollectiveResult<A> => {
    const parity = calls % 2;
    Atomics.store(control, headerAt(W, parity, rank, 0), OP_CODES[op]);
    Atomics.store(control, headerAt(W, parity, rank, 1), length);
    Atomics.store(control, headerAt(W, parity, rank, 2), root);
    const met = await meet();
    if (E.isLeft(met)) return fail(op, met.left.message, met.left.lostRank);
    const mismatch = headerMismatch(op, length, root);
    if (mismatch) return fail(op, mismatch);
    const out = await body();
    return E.isLeft(out) ? fail(op, out.left.message, out.left.lostRank) : out;
  };

  /** Moves `total` elements in pieces of at most `per`: write, meet, read, meet (so no slot is overwritten while read). */
  const pieces = async (total: number, per: number, write: (off: number, n: number) => void, read: (off: number, n: number) => void) => {
    for (let off = 0; off < total; off += per) {
      const n = Math.min(per, total - off);
      write(off, n);
      const written = await meet();
      if (E.isLeft(written)) return written;
      read(off, n);
      const read_ = await meet();
      if (E.isLeft(read_)) return read_;
    }
    return E.right(undefined);
  };

  const checked = <A>(op: CollectiveOp, x: Float32Array, root: number | undefined, go: () => CollectiveResult<A>): CollectiveResult<A> => {
    if (broken) return Promise.resolve(E.left(broken));
    const problem = argumentProblem(op, W, x, root);
    if (problem) {
      calls++;
      return Promise.resolve(fail(op, problem));
    }
    return go();
  };

  return {
    engine: 'local',
    rank,
    size: W,

    allGather: (shard) =>
      checked('allGather', shard, undefined, () => {
        const b = shard.length;
        const out = new Float32Array(b * W);
        return run('allGather', b, 0, async () => {
          const done = await pieces(
            b,
            shared.slotFloats,
            (off, n) => slots[rank].set(shard.subarray(off, off + n)),
            (off, n) => slots.forEach((s, k) => out.set(s.subarray(0, n), k * b + off)),
          );
          return E.map(() => out)(done);
        });
      }),

    reduceScatter: (full) =>
      checked('reduceScatter', full, undefined, () => {
        const b = full.length / W;
        const out = new Float32Array(b);
        const per = Math.floor(shared.slotFloats / W);
        return run('reduceScatter', full.length, 0, async () => {
          const done = await pieces(
            b,
            per,
            // slot layout of one piece: W sub-blocks of `per`, sub-block j bound for rank j
            (off, n) => {
              for (let j = 0; j < W; j++) slots[rank].set(full.subarray(j * b + off, j * b + off + n), j * per);
            },
            // ranks sum disjoint sub-blocks of the result slot, then copy theirs out
            (off, n) => {
              sumSlots(rank * per, n);
              out.set(result.subarray(rank * per, rank * per + n), off);
            },
          );
          return E.map(() => out)(done);
        });
      }),

    allReduce: (x) =>
      checked('allReduce', x, undefined, () => {
        const out = new Float32Array(x.length);
        return run('allReduce', x.length, 0, async () => {
          for (let off = 0; off < x.length; off += shared.slotFloats) {
            const n = Math.min(shared.slotFloats, x.length - off);
            // each rank reduces its share of the piece into the result slot, then everyone copies the result out
            const share = Math.ceil(n / W);
            const lo = Math.min(n, rank * share);
            const hi = Math.min(n, lo + share);
            const done = await pieces(
              n,
              n,
              () => slots[rank].set(x.subarray(off, off + n)),
              () => sumSlots(lo, hi - lo),
            );
            if (E.isLeft(done)) return done;
            out.set(result.subarray(0, n), off);
            const copied = await meet();
            if (E.isLeft(copied)) return copied;
          }
          return E.right(out);
        });
      }),

    broadcast: (x, root) =>
      checked('broadcast', x, root, () => {
        const out = new Float32Array(x.length);
        return run('broadcast', x.length, root, async () => {
          const done = await pieces(
            x.length,
            shared.slotFloats,
            (off, n) => void (rank === root && slots[root].set(x.subarray(off, off + n))),
            (off, n) => out.set(slots[root].subarray(0, n), off),
          );
          return E.map(() => out)(done);
        });
      }),

    barrier: () => (broken ? Promise.resolve(E.left(broken)) : run('barrier', 0, 0, async () => E.right(undefined))),

    close: async () => undefined,
  };
};
