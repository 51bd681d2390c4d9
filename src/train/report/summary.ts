// Summaries shared by the plot and the markdown report: per-method statistics over seeds.
import type { EpochRecord } from '../fit.js';

/** What the report needs of a run; `RunResult` from mnist-job.ts is one. */
export interface RunLike {
  readonly method: string;
  readonly seed: number;
  readonly testAccuracy: number;
  readonly seconds: number;
  readonly records: readonly EpochRecord[];
  /** Resumed: epochs before the resume whose time was not recorded (`seconds` leaves them out). */
  readonly untimedEpochs?: number;
}

export interface Stat {
  readonly mean: number;
  /** Sample standard deviation (n - 1); 0 for a single value. */
  readonly sd: number;
}

export const meanSd = (xs: readonly number[]): Stat => {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1)) : 0;
  return { mean, sd };
};

/** Methods in order of first appearance. */
export const methodsOf = (results: readonly RunLike[]): string[] => [...new Set(results.map((r) => r.method))];

export const METRICS = ['trainLoss', 'trainAccuracy', 'evalLoss', 'evalAccuracy', 'seconds'] as const;
export type Metric = (typeof METRICS)[number];

export interface EpochSummary {
  /** The record's epoch (from 1, as in metrics.jsonl). */
  readonly epoch: number;
  /** How many runs reached this epoch. */
  readonly seeds: number;
  readonly stats: Readonly<Record<Metric, Stat>>;
}

/** One summary per epoch of `method`, each metric averaged over the runs that reached that epoch. */
export const epochSummaries = (results: readonly RunLike[], method: string): EpochSummary[] => {
  const byEpoch = new Map<number, EpochRecord[]>();
  for (const r of results) if (r.method === method) for (const rec of r.records) byEpoch.set(rec.epoch, [...(byEpoch.get(rec.epoch) ?? []), rec]);
  return [...byEpoch.entries()]
    .sort(([a], [b]) => a - b)
    .map(([epoch, recs]) => ({ epoch, seeds: recs.length, stats: Object.fromEntries(METRICS.map((m) => [m, meanSd(recs.map((r) => r[m]))])) as Record<Metric, Stat> }));
};
