// A rank program that counts 1 ms timer ticks while a 16 MiB all-reduce runs: a blocking wait would count none.
// The other ranks join 100 ms late, so rank 0 surely waits (a fast machine could otherwise finish between two ticks).
import * as E from 'fp-ts/lib/Either.js';
import type { CollectiveFailure, Collectives } from '../../../../src/shard/collectives/index.js';

export default async (c: Collectives): Promise<E.Either<CollectiveFailure, number>> => {
  const x = new Float32Array(4 * 2 ** 20).fill(1);
  if (c.rank !== 0) await new Promise((resolve) => setTimeout(resolve, 100));
  let ticks = 0;
  const timer = setInterval(() => ticks++, 1);
  const sum = await c.allReduce(x);
  clearInterval(timer);
  if (E.isLeft(sum)) return sum;
  // every element must be W, or the ticks were bought with a wrong result
  return sum.right.every((v) => v === c.size) ? E.right(ticks) : E.left({ rank: c.rank, op: 'allReduce', call: 1, message: 'wrong sum' });
};
