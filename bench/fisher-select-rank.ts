// One rank of the Child-Tuning D threshold benchmark: this rank's share of N Fisher-like scores (squares of seeded
// values, with a block of zeros), then the global percentile by radix select and by gathering, timed, bytes counted.
import * as E from 'fp-ts/lib/Either.js';
import type { CollectiveFailure, Collectives } from '../src/shard/index.js';
import { countingCollectives } from '../src/shard/collectives/counting.js';
import { gatherPercentile, selectPercentile } from '../src/shard/percentile-select.js';

export interface FisherSelectInput {
  readonly total: number;
  readonly reps: number;
}

export interface FisherSelectResult {
  readonly select: { readonly ms: number[]; readonly bytes: number; readonly value: number };
  readonly gather: { readonly ms: number[]; readonly bytes: number; readonly value: number };
}

const scores = (rank: number, size: number, total: number): Float32Array => {
  const per = Math.ceil(total / size);
  const n = Math.max(0, Math.min(per, total - rank * per));
  let x = (rank + 1) * 0x9e3779b1;
  return Float32Array.from({ length: n }, (_, i) => {
    x = Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) ^ (x >>> 12);
    const u = (x >>> 0) / 2 ** 32;
    return i % 7 === 0 ? 0 : Math.fround(u * u * 1e-3);
  });
};

const fisherSelectRank = async (c: Collectives, input: FisherSelectInput): Promise<E.Either<CollectiveFailure, FisherSelectResult>> => {
  const mine = [scores(c.rank, c.size, input.total)];
  const run = async (how: typeof selectPercentile) => {
    const ms: number[] = [];
    let bytes = 0;
    let value = 0;
    for (let i = 0; i < input.reps; i++) {
      const met = await c.barrier();
      if (E.isLeft(met)) throw new Error(met.left.message);
      const tally = { bytes: 0 };
      const t0 = performance.now();
      const got = await how(countingCollectives(c, tally), mine, 70);
      ms.push(performance.now() - t0);
      if (E.isLeft(got)) throw new Error(got.left);
      bytes = tally.bytes;
      value = got.right.value;
    }
    return { ms, bytes, value };
  };
  const select = await run(selectPercentile);
  const gather = await run(gatherPercentile);
  return E.right({ select, gather });
};

export default fisherSelectRank;
