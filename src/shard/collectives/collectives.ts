// One small interface over Float32Array that both engines (local workers, Open MPI) implement; see fixed-order-sum.ts for the summation order.
import type * as E from 'fp-ts/lib/Either.js';

export type CollectiveOp = 'allGather' | 'reduceScatter' | 'allReduce' | 'broadcast' | 'barrier';

/** Why a collective did not complete on this rank: a lost or late peer, mismatched arguments, an MPI error. */
export interface CollectiveFailure {
  readonly rank: number;
  readonly op: CollectiveOp;
  /** 1-based count of collectives this rank has started, so logs of different ranks line up; 0 while joining the run. */
  readonly call: number;
  readonly message: string;
  /** The peer whose loss caused the failure, when one is known. */
  readonly lostRank?: number;
}

export type CollectiveResult<A> = Promise<E.Either<CollectiveFailure, A>>;

/**
 * Every rank calls the same collectives in the same order with the same lengths, one at a time (await each before
 * the next). Inputs are never changed;
 * results are new arrays. Sums are bit-identical on both engines and for any W dividing the micro-batches (fixed-order-sum.ts).
 * After a failure the object is broken: every later call returns the same failure.
 */
export interface Collectives {
  readonly engine: 'local' | 'mpi';
  readonly rank: number;
  readonly size: number;
  /** Concatenation of every rank's `shard` in rank order; all shards have the same length. */
  allGather(shard: Float32Array): CollectiveResult<Float32Array>;
  /** `full.length` must be a multiple of size; rank r gets block r of the rank-ordered tree sum of every rank's `full`. */
  reduceScatter(full: Float32Array): CollectiveResult<Float32Array>;
  /** The rank-ordered tree sum of every rank's `x`. */
  allReduce(x: Float32Array): CollectiveResult<Float32Array>;
  /** A copy of `root`'s `x` on every rank; the other ranks pass an array of the same length (its values are ignored). */
  broadcast(x: Float32Array, root: number): CollectiveResult<Float32Array>;
  barrier(): CollectiveResult<void>;
  /** Releases the engine; a no-op after a failure. */
  close(): Promise<void>;
}

export const failureMessage = (f: CollectiveFailure): string => `rank ${f.rank}: ${f.call === 0 ? 'joining the run' : `collective #${f.call} (${f.op})`} failed: ${f.message}`;

/** Argument problems every rank can see on its own, before anything is sent. */
export const argumentProblem = (op: CollectiveOp, size: number, x: Float32Array, root?: number): string | undefined => {
  if (!(x instanceof Float32Array)) return `expected a Float32Array, got ${Object.prototype.toString.call(x)}`;
  if (op === 'reduceScatter' && x.length % size !== 0) return `length ${x.length} is not a multiple of the ${size} ranks (pad it, as shardLayout does)`;
  if (op === 'broadcast' && !(Number.isInteger(root) && root! >= 0 && root! < size)) return `root ${root} is not a rank in 0..${size - 1}`;
  return undefined;
};
