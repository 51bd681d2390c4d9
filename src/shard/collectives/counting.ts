// A Collectives that tallies the bytes each rank moves (NCCL's bus bytes: (W−1)/W of each gathered, scattered or
// broadcast array, twice that for an all-reduce); every call passes through unchanged.
import type { Collectives } from './collectives.js';

export interface ByteTally {
  bytes: number;
}

export const countingCollectives = (c: Collectives, tally: ByteTally): Collectives => {
  const share = (n: number) => (4 * n * (c.size - 1)) / c.size;
  return {
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
