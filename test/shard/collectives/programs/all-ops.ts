// A rank program that runs every collective on micro-batch gradients; the same program runs on both engines.
import * as E from 'fp-ts/lib/Either.js';
import type { CollectiveFailure, Collectives } from '../../../../src/shard/collectives/index.js';
import { treeSum } from '../../../../src/shard/collectives/index.js';
import { microBatchGradient, microBatchesOf, rankMarker } from '../micro-batches.js';

export interface AllOpsInput {
  readonly seed: number;
  readonly microBatches: number;
  /** Elements per gradient; padded to a multiple of W for reduceScatter. */
  readonly length: number;
  readonly root: number;
}

export interface AllOpsResult {
  readonly rank: number;
  readonly size: number;
  readonly sum: Float32Array;
  readonly block: Float32Array;
  readonly gathered: Float32Array;
  readonly broadcast: Float32Array;
}

const allOps = async (c: Collectives, input: AllOpsInput): Promise<E.Either<CollectiveFailure, AllOpsResult>> => {
  const local = treeSum(microBatchesOf(c.rank, c.size, input.microBatches).map((m) => microBatchGradient(input.seed, m, input.length)));
  const padded = new Float32Array(Math.ceil(input.length / c.size) * c.size);
  padded.set(local);
  const sum = await c.allReduce(local);
  if (E.isLeft(sum)) return sum;
  const block = await c.reduceScatter(padded);
  if (E.isLeft(block)) return block;
  const gathered = await c.allGather(block.right);
  if (E.isLeft(gathered)) return gathered;
  const broadcast = await c.broadcast(rankMarker(c.rank, input.length), input.root % c.size);
  if (E.isLeft(broadcast)) return broadcast;
  const barrier = await c.barrier();
  if (E.isLeft(barrier)) return barrier;
  return E.right({ rank: c.rank, size: c.size, sum: sum.right, block: block.right, gathered: gathered.right, broadcast: broadcast.right });
};

export default allOps;
