// A rank program: this rank's cut of the values (as two arrays), then the global percentile both ways, with the bytes each moved.
import * as E from 'fp-ts/lib/Either.js';
import type { CollectiveFailure, Collectives } from '../../../src/shard/index.js';
import { countingCollectives } from '../../../src/shard/collectives/counting.js';
import { gatherPercentile, selectPercentile } from '../../../src/shard/percentile-select.js';

export interface PercentileInput {
  readonly values: Float32Array;
  /** Rank r holds values[cuts[r] .. cuts[r + 1]). */
  readonly cuts: readonly number[];
  readonly qs: readonly number[];
}

export type PercentileOutcome = { readonly select: number; readonly gather: number; readonly selectBytes: number; readonly gatherBytes: number } | { readonly problems: readonly string[] };

const percentileRank = async (c: Collectives, input: PercentileInput): Promise<E.Either<CollectiveFailure, PercentileOutcome[]>> => {
  const mine = input.values.subarray(input.cuts[c.rank], input.cuts[c.rank + 1]);
  const half = Math.floor(mine.length / 2);
  const pieces = [mine.slice(0, half), mine.slice(half)];
  const out: PercentileOutcome[] = [];
  for (const q of input.qs) {
    const selectTally = { bytes: 0 };
    const gatherTally = { bytes: 0 };
    const select = await selectPercentile(countingCollectives(c, selectTally), pieces, q);
    const gather = await gatherPercentile(countingCollectives(c, gatherTally), pieces, q);
    if (E.isLeft(select) || E.isLeft(gather)) out.push({ problems: [select, gather].flatMap((r) => (E.isLeft(r) ? [r.left] : [])) });
    else out.push({ select: select.right.value, gather: gather.right.value, selectBytes: selectTally.bytes, gatherBytes: gatherTally.bytes });
  }
  return E.right(out);
};

export default percentileRank;
