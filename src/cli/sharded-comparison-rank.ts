// The local engine's entry for `graft finetune --shards W`: one worker's rank of the comparison. Rank 0 reports over a
// BroadcastChannel to the launcher, which alone writes the run folder and the log, as rank 0 of an MPI job does.
import { BroadcastChannel } from 'node:worker_threads';
import * as E from 'fp-ts/lib/Either.js';
import type { CollectiveFailure, Collectives } from '../shard/index.js';
import type { RunResult } from '../train/mnist-job.js';
import type { RankReports, ShardedComparisonInput } from './sharded-comparison.js';
import { shardedComparison } from './sharded-comparison.js';

/** What rank 0 posts on the channel; `done` is its last message, so the launcher knows it has seen every report. */
export type RankReport =
  | { readonly kind: 'log'; readonly line: string }
  | { readonly kind: 'start'; readonly args: Parameters<RankReports['onStart']> }
  | { readonly kind: 'epoch'; readonly args: Parameters<RankReports['onEpoch']> }
  | { readonly kind: 'run'; readonly run: RunResult }
  | { readonly kind: 'done' };

export type LocalComparisonInput = ShardedComparisonInput & { readonly channel: string };

const poster = (channel: BroadcastChannel): RankReports => ({
  log: (line) => channel.postMessage({ kind: 'log', line } satisfies RankReport),
  onStart: (...args) => channel.postMessage({ kind: 'start', args } satisfies RankReport),
  onEpoch: (...args) => channel.postMessage({ kind: 'epoch', args } satisfies RankReport),
  onRun: (run) => channel.postMessage({ kind: 'run', run } satisfies RankReport),
});

/** A failure that is not a collective's comes back as a value, so the launcher prints it. */
const rankProgram = async (c: Collectives, input: LocalComparisonInput): Promise<E.Either<CollectiveFailure, E.Either<string, RunResult[]>>> => {
  const channel = c.rank === 0 ? new BroadcastChannel(input.channel) : undefined;
  try {
    return E.right(await shardedComparison(c, input, channel && poster(channel)));
  } finally {
    channel?.postMessage({ kind: 'done' } satisfies RankReport);
    channel?.close();
  }
};

export default rankProgram;
