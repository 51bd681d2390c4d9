// Timing and reporting: warm up, repeat, reduce samples to per-step median/min/max, print JSON lines and a table.
import { performance } from 'node:perf_hooks';
import type { BackendChoice } from '../src/runtime/index.js';

/** One measurement: per-step times over repetitions; throughput is Gelem/s per step at the median. */
export interface Row {
  readonly suite: string;
  readonly name: string;
  readonly impl: string;
  readonly size: number;
  /** Steps done per call: 1 for graft-call and js-loop, the loop length for graft-multistep. */
  readonly steps: number;
  readonly median_ms: number;
  readonly min_ms: number;
  readonly max_ms: number;
  readonly throughput: number;
  readonly unit: string;
  readonly backend: string;
  readonly executor: string;
}

/** A correctness warning: an implementation disagreed with the plain-JS reference. */
export interface Check {
  readonly check: 'mismatch';
  readonly suite: string;
  readonly name: string;
  readonly impl: string;
  readonly size: number;
  readonly rel_err: number;
  readonly tol: number;
}

export interface SuiteContext {
  readonly sizes: readonly number[];
  readonly quick: boolean;
  readonly backend: BackendChoice;
  readonly emit: (r: Row | Check) => void;
}

export interface Suite {
  readonly defaultSizes: readonly number[];
  readonly quickSizes: readonly number[];
  run(ctx: SuiteContext): Promise<void>;
}

/**
 * Warm each sampler up, then time `reps` rounds that run every sampler once in turn (interleaved, so drift on a
 * shared machine hits all alike). Each sample covers `stepsPerSample` steps; returns per-step ms per sampler.
 */
export const measure = async (samplers: ReadonlyArray<() => Promise<void> | void>, opts: { warmup: number; reps: number; stepsPerSample: number }): Promise<number[][]> => {
  for (const sample of samplers) for (let i = 0; i < opts.warmup; i++) await sample();
  const out: number[][] = samplers.map(() => []);
  for (let r = 0; r < opts.reps; r++) {
    for (const [k, sample] of samplers.entries()) {
      const t0 = performance.now();
      await sample();
      out[k].push((performance.now() - t0) / opts.stepsPerSample);
    }
  }
  return out;
};

export const summarize = (perStepMs: readonly number[], size: number) => {
  const s = [...perStepMs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { median_ms: median, min_ms: s[0], max_ms: s[s.length - 1], throughput: size / (median * 1e6), unit: 'Gelem/s' };
};

/** Normwise relative error max|a - b| / max|b|: robust where single elements pass near zero (NaN counts as infinite). */
export const relErr = (a: Float32Array, b: Float32Array): number => {
  if (a.length !== b.length) return Infinity;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= diff)) diff = d;
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return Number.isNaN(diff) ? Infinity : diff / (scale || 1);
};

const round = (x: number, digits = 4) => Number(x.toPrecision(digits));

export const jsonLine = (r: Row | Check): string =>
  JSON.stringify('check' in r ? r : { ...r, median_ms: round(r.median_ms), min_ms: round(r.min_ms), max_ms: round(r.max_ms), throughput: round(r.throughput) });

export const sizeLabel = (n: number): string =>
  n % 2 ** 20 === 0 ? `${n / 2 ** 20}M` : n % 2 ** 10 === 0 ? `${n / 2 ** 10}K` : String(n);

/** Rows grouped by suite/name/size so implementations sit side by side; `vs js` = js-loop median / this median (>1: faster). */
export const table = (rows: readonly Row[]): string => {
  const key = (r: Row) => `${r.suite}\0${r.name}\0${r.size}`;
  const js = new Map(rows.filter((r) => r.impl === 'js-loop').map((r) => [key(r), r.median_ms]));
  // the throughput column is headed by the rows' unit; with several units (e.g. the train suite's examples/s among
  // Gelem/s rows) it is headed 'throughput' and each cell names its unit
  const units = [...new Set(rows.map((r) => r.unit))];
  const head = ['suite', 'name', 'size', 'impl', 'steps', 'median ms', 'min ms', 'max ms', units.length === 1 ? units[0] : 'throughput', 'vs js', 'backend', 'executor'];
  const order = [...new Set(rows.map(key))];
  const body = order.flatMap((k) => rows.filter((r) => key(r) === k)).map((r) => {
    const ref = js.get(key(r));
    return [r.suite, r.name, sizeLabel(r.size), r.impl, String(r.steps), r.median_ms.toFixed(3), r.min_ms.toFixed(3), r.max_ms.toFixed(3),
      `${r.throughput.toFixed(3)}${units.length === 1 ? '' : ` ${r.unit}`}`, ref === undefined ? '-' : `${(ref / r.median_ms).toFixed(2)}x`, r.backend, r.executor];
  });
  const widths = head.map((h, c) => Math.max(h.length, ...body.map((row) => row[c].length)));
  const numeric = new Set([2, 4, 5, 6, 7, 8, 9]);
  const line = (cells: string[]) => cells.map((s, c) => (numeric.has(c) ? s.padStart(widths[c]) : s.padEnd(widths[c]))).join('  ').trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
};
