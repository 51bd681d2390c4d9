// The fine-tuning comparison as one rank runs it: every rank trains every run together; rank 0 alone reports
// (metrics.jsonl, runs.jsonl, its log lines) to the events it is given. Each run checkpoints into
// checkpoints/<method>-seed<seed>/ (one file per rank, an index, a consolidated file) and resumes from there.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import type { BackendChoice } from '../runtime/index.js';
import type { Collectives, ShardingStrategy } from '../shard/index.js';
import type { JobConfig, Method, RunResult } from '../train/mnist-job.js';
import { METHODS, finetuneSplits, runKey, runNote } from '../train/mnist-job.js';
import type { Values } from '../train/optimizer-runner.js';
import { mnistShardRun } from '../train/sharded/mnist-rank.js';
import { INDEX_FILE, readShardIndex } from '../train/sharded/sharded-checkpoint.js';
import { resumeNote } from '../train/resume-note.js';
import type { ComparisonEvents } from './comparison-writer.js';
import type { MetricLine } from './run-folder.js';
import { RUN_FILES, earlierRecords } from './run-folder.js';

export interface ShardedComparisonInput {
  readonly cfg: JobConfig;
  readonly base: Values;
  /** The run folder (already made, with its config). */
  readonly dir: string;
  readonly strategy: ShardingStrategy;
  /** Micro-batches per step over all ranks. */
  readonly microBatches: number;
  /** FULL_SHARD: FSDP's reshard_after_forward (absent: true). */
  readonly reshardAfterForward?: boolean;
  readonly backend?: BackendChoice;
  /** A resumed folder: the runs it finished and every metrics.jsonl line. */
  readonly previous?: { readonly finished: readonly RunResult[]; readonly metrics: readonly MetricLine[] };
  /** How the log line names where it ran: `FULL_SHARD over 2 local ranks`. */
  readonly where: string;
}

/** Rank 0's reports: the run folder's events and its log. */
export type RankReports = ComparisonEvents & { readonly log: (line: string) => void };

/** The settings digest a run's checkpoints record: the unsharded run's key and the micro-batches (not W: it does not change the numbers). */
export const shardedRunKey = (cfg: JobConfig, method: Method, seed: number, microBatches: number): string => `${runKey(cfg, method, seed)}-m${microBatches}`;

/** A run's line: its accuracy and the numbers a reader compares, then where and how long. */
export const describeShardedRun = (r: RunResult, where: string): string =>
  `${r.method} seed ${r.seed}: test accuracy ${(r.testAccuracy * 100).toFixed(1)}%${runNote(r)}, validation loss ${r.records[r.records.length - 1]?.evalLoss} after ${r.steps} steps, ${where}, ${r.seconds.toFixed(1)} s`;

/** Every run of the comparison on this rank, in the unsharded job's order; finished runs of a resumed folder are kept as they were. */
export const shardedComparison = async (c: Collectives, input: ShardedComparisonInput, reports?: RankReports): Promise<E.Either<string, RunResult[]>> => {
  const { cfg } = input;
  const splits = finetuneSplits(cfg);
  const results: RunResult[] = [];
  for (const seed of cfg.seeds)
    for (const method of cfg.methods ?? METHODS) {
      const before = input.previous?.finished.find((r) => r.method === method && r.seed === seed);
      if (before) {
        results.push(before);
        reports?.log(`${method} seed ${seed}: finished before (test accuracy ${(before.testAccuracy * 100).toFixed(1)}%)`);
        continue;
      }
      const t0 = performance.now();
      const dir = join(input.dir, RUN_FILES.checkpoints, `${method}-seed${seed}`);
      const index = input.previous && existsSync(join(dir, INDEX_FILE)) ? readShardIndex(dir) : undefined;
      if (index && E.isLeft(index)) return E.left(`cannot resume ${method}-seed${seed}:\n  ${index.left.join('\n  ')}`);
      const checkpointed = index ? (index as E.Right<{ epoch: number }>).right.epoch : 0;
      const earlier = input.previous ? earlierRecords(input.previous.metrics, method, seed) : [];
      const kept = earlier.filter((r) => r.epoch <= checkpointed);
      if (earlier.length || checkpointed) reports?.log(resumeNote(`${method} seed ${seed}`, earlier.at(-1)?.epoch ?? 0, checkpointed));
      reports?.onStart(method, seed, checkpointed);
      const out = await mnistShardRun(c, {
        cfg, method, seed, base: input.base, train: splits.trainFor(seed), validation: splits.validation, test: splits.test, strategy: input.strategy, microBatches: input.microBatches,
        ...(input.backend ? { backend: input.backend } : {}),
        ...(input.reshardAfterForward === undefined ? {} : { reshardAfterForward: input.reshardAfterForward }),
        checkpoint: { dir, config: shardedRunKey(cfg, method, seed, input.microBatches) }, resume: checkpointed > 0,
      }, { onEpoch: (rec) => reports?.onEpoch(method, seed, rec) });
      if (E.isLeft(out)) return E.left(`${method} seed ${seed}: ${out.left}`);
      const records = [...kept, ...out.right.records];
      const untimedEpochs = checkpointed - kept.length;
      const r: RunResult = {
        method, seed, testAccuracy: out.right.testAccuracy, seconds: kept.reduce((a, k) => a + k.seconds, 0) + (performance.now() - t0) / 1000, records,
        ...(out.right.transitions ? { transitions: out.right.transitions } : {}), ...(out.right.stopReason ? { stopReason: out.right.stopReason } : {}),
        ...(untimedEpochs > 0 ? { untimedEpochs } : {}), ...(out.right.keptFraction === undefined ? {} : { keptFraction: out.right.keptFraction }),
        predictedClasses: out.right.predictedClasses, steps: records.length * Math.floor(cfg.labelled / cfg.batchSize),
      };
      results.push(r);
      reports?.onRun(r);
      reports?.log(describeShardedRun(r, input.where));
    }
  return E.right(results);
};
