// Optimizer suite: an AdamW step (torch.optim.AdamW) and a ChildTuning-AdamW mode F step (Hugging Face flavour,
// reserveP 0.3) over p, g, m, v at several sizes, against peers: a plain-JS loop in a clean worker, tfjs on its wasm
// backend (tf.train.adam, and AdamW composed from ops), jax-js jit on wasm, and a C loop built with gcc (1 thread and
// OpenMP 2 threads: the machine's ceiling). graft's implementations join through the `graftImpls` hook below and
// are measured in the same interleaved rounds.
//
// stdout: one JSON line per row (with `vs_c` = c-loop median / this median), a `{"skip":...}` line for anything that
// could not run, `{"check":"mismatch",...}` for a failed verification; stderr: this suite's table with a `vs C` column.
// Every implementation is verified after its timed run, on its own full-size state:
//   math   reset to the start state, one sample of steps, then the first and last 1024 elements of p, m, v against a
//          float64 reference (ctf at reserveP = 1, where the mask keeps everything: masks differ per implementation)
//   mask   ctf only: reset with m = v = 0 at the real reserveP, one sample, then over all elements the fraction never
//          kept ((1 - r)^steps: a mask reused across steps would give 1 - r) and the means of m/g (1 - b1^steps: the
//          1/r rescale makes the masked gradient unbiased) and v/g^2 ((1 - b2^steps)/r), each within 6 sigma.
import { availableParallelism, loadavg } from 'node:os';
import type { Check, Row, Suite, SuiteContext } from './harness.js';
import { measure, relErr, sizeLabel, summarize } from './harness.js';
import { cLoop, cLoopOmp2 } from './optim-peers/c-loop.js';
import { jaxJs } from './optim-peers/jax-js.js';
import { jsLoop } from './optim-peers/js-loop.js';
import { tfjsWasmAdam } from './optim-peers/tfjs-wasm-adam.js';
import { tfjsWasmAdamwOps } from './optim-peers/tfjs-wasm-adamw-ops.js';
import type { BenchEnv, Hyper, ImplFactory, OptimImpl, OptimResult, OptimState, StepSpec } from './optim-peers/types.js';

import { GRAFT_IMPLS } from './optim-graft.js';
import { GRAFT_WASM_IMPLS } from './optim-graft-wasm.js';
import { mulberry32 } from '../props/mulberry32.js';
export type { BenchEnv, Hyper, ImplFactory, OptimImpl, OptimResult, OptimState, StepSpec } from './optim-peers/types.js';

const M = 2 ** 20;
/** Steps per timed sample for every implementation (and the natural loop length for a graft multistep). */
export const STEPS = 8;

const COMMON = { lr: 1e-3, b1: 0.9, b2: 0.999, eps: 1e-8, wd: 0.01, stepsPerSample: STEPS } as const;
export const SPECS: readonly StepSpec[] = [
  { kind: 'adamw', name: 'adamw', ...COMMON, reserveP: 1 },
  { kind: 'ctf', name: 'ctf-adamw', ...COMMON, reserveP: 0.3 },
];

// ============================================================================================================
// graft's compiled steps (bench/optim-graft.ts): one call per step, and one fused multistep of
// `spec.stepsPerSample` steps per call. They run first in every table group, interleaved with the peers.
export const graftImpls: readonly ImplFactory[] = [...GRAFT_WASM_IMPLS, ...GRAFT_IMPLS];
// ============================================================================================================

export const PEERS: readonly ImplFactory[] = [jsLoop, cLoop, cLoopOmp2, tfjsWasmAdam, tfjsWasmAdamwOps, jaxJs];

const WINDOW = 1024;
const SIGMAS = 6;
/** Normwise relative error allowed on p - p0 (f32 rounding of p is ~1e-4 of a few steps' movement), and on m, v. */
const TOL_DP = 1e-3;
const TOL_MV = 1e-5;

/** Fewer repetitions at larger sizes keep the default run within a few minutes on 2 cores. */
const repsFor = (n: number, quick: boolean): number => (quick ? 3 : n >= 4 * M ? 5 : 9);

/** A seeded stream of uniforms in [0, 1), so every run and every implementation starts from the same state. */
const uniforms = mulberry32;

/**
 * p in [-1, 1); g with magnitudes log-uniform over [1e-8, 1] (never 0), so for some elements sqrt(v) is near eps and
 * where eps goes (torch: after bias correction; HF: before) changes the step; m0, v0 consistent with g but not equal
 * to its steady state, so betas and bias correction are exercised.
 */
export const startState = (n: number): OptimState => {
  const u = uniforms(0x9e3779b9);
  const s = { p: new Float32Array(n), g: new Float32Array(n), m: new Float32Array(n), v: new Float32Array(n) };
  for (let i = 0; i < n; i++) {
    const g = (u() < 0.5 ? -1 : 1) * 10 ** (-8 * u());
    s.p[i] = 2 * u() - 1;
    s.g[i] = g;
    s.m[i] = g * (2 * u() - 1);
    s.v[i] = g * g * (0.25 + 2 * u());
  }
  return s;
};

/** The float64 reference over elements [lo, hi), `steps` steps from s0, every gradient element kept (mask-free). */
export const reference = (kind: StepSpec['kind'], h: Hyper, s0: OptimState, lo: number, hi: number, steps: number) => {
  const len = hi - lo;
  const p = Float64Array.from(s0.p.subarray(lo, hi));
  const m = Float64Array.from(s0.m.subarray(lo, hi));
  const v = Float64Array.from(s0.v.subarray(lo, hi));
  const g = s0.g.subarray(lo, hi);
  for (let t = 1; t <= steps; t++) {
    const bc1 = 1 - h.b1 ** t;
    const bc2 = 1 - h.b2 ** t;
    for (let i = 0; i < len; i++) {
      m[i] = h.b1 * m[i] + (1 - h.b1) * g[i];
      v[i] = h.b2 * v[i] + (1 - h.b2) * g[i] * g[i];
      if (kind === 'adamw') {
        // torch.optim.AdamW: decay, then p -= lr * mhat / (sqrt(vhat) + eps)
        p[i] *= 1 - h.lr * h.wd;
        p[i] -= (h.lr * (m[i] / bc1)) / (Math.sqrt(v[i] / bc2) + h.eps);
      } else {
        // HF ChildTuningAdamW: p -= lr*sqrt(bc2)/bc1 * m / (sqrt(v) + eps), then p -= lr*wd*p
        p[i] -= ((h.lr * Math.sqrt(bc2)) / bc1) * (m[i] / (Math.sqrt(v[i]) + h.eps));
        p[i] -= h.lr * h.wd * p[i];
      }
    }
  }
  return { p, m, v };
};

const windows = (n: number): Array<[number, number]> => (n <= 2 * WINDOW ? [[0, n]] : [[0, WINDOW], [n - WINDOW, n]]);

/** Worst normwise errors of an implementation's p - p0, m, v against the reference over both windows. */
const mathErrors = (spec: StepSpec, h: Hyper, s0: OptimState, got: OptimResult) => {
  let dp = 0;
  let mv = 0;
  for (const [lo, hi] of windows(s0.p.length)) {
    const ref = reference(spec.kind, h, s0, lo, hi, spec.stepsPerSample);
    const p0 = s0.p.subarray(lo, hi);
    const d = (a: ArrayLike<number>) => Float32Array.from(a, (x, i) => x - p0[i]); // f32 is ample for a difference
    dp = Math.max(dp, relErr(d(got.p.subarray(lo, hi)), d(ref.p)));
    mv = Math.max(mv, relErr(got.m.subarray(lo, hi), Float32Array.from(ref.m)), relErr(got.v.subarray(lo, hi), Float32Array.from(ref.v)));
  }
  return { dp, mv };
};

/**
 * z-scores of the mask statistics after `steps` steps from m = v = 0 at keep rate r, over all n elements:
 * never-kept fraction vs (1-r)^S; mean m/g vs 1 - b1^S (g*mask/r is unbiased); mean v/g^2 vs (1 - b2^S)/r.
 */
const maskStats = (h: Hyper, steps: number, got: OptimResult, g: Float32Array) => {
  const n = g.length;
  const r = h.reserveP;
  let never = 0;
  let sm = 0;
  let sv = 0;
  for (let i = 0; i < n; i++) {
    if (got.m[i] === 0) never++;
    sm += got.m[i] / g[i];
    sv += got.v[i] / (g[i] * g[i]);
  }
  const q = (1 - r) ** steps;
  let s1 = 0; // sum of b1^(2j), b2^(2j) over the steps' weights
  let s2 = 0;
  for (let j = 0; j < steps; j++) (s1 += h.b1 ** (2 * j), s2 += h.b2 ** (2 * j));
  const sdM = (1 - h.b1) * Math.sqrt(((1 - r) / r) * s1);
  const sdV = ((1 - h.b2) / r) * Math.sqrt(((1 - r) / r) * s2);
  return {
    neverKept: never / n,
    expected: q,
    zNever: (never - n * q) / Math.sqrt(n * q * (1 - q)),
    zM: (sm / n - (1 - h.b1 ** steps)) / (sdM / Math.sqrt(n)),
    zV: (sv / n - (1 - h.b2 ** steps) / r) / (sdV / Math.sqrt(n)),
  };
};

/** An implementation that failed mid-measurement stops being timed; its row becomes a skip line. */
interface Entry {
  readonly im: OptimImpl;
  failed?: string;
}

const skipped = new Set<string>();
const emitSkip = (spec: StepSpec, n: number, impl: string, reason: string) => {
  console.error(`  skip ${impl} (${spec.name} ${sizeLabel(n)}): ${reason}`);
  const key = `${impl}\0${spec.name}\0${reason}`;
  if (skipped.has(key)) return;
  skipped.add(key);
  console.log(JSON.stringify({ skip: impl, suite: 'optim', name: spec.name, size: n, reason }));
};

type OptimRow = Row & { readonly vs_c?: number };

/** $BENCH_IMPLS (comma-separated impl names) times only those rows, for a quick look at a few. */
const only = process.env.BENCH_IMPLS?.split(',').map((x) => x.trim());

const runStep = async (spec: StepSpec, n: number, ctx: SuiteContext, table: OptimRow[]) => {
  const env: BenchEnv = { backend: ctx.backend, quick: ctx.quick };
  const entries: Entry[] = [];
  try {
    for (const make of [...graftImpls, ...PEERS]) {
      try {
        const im = await make(spec, n, env);
        if ('skip' in im) emitSkip(spec, n, im.skip, im.reason);
        else if (only && !only.includes(im.impl)) await im.close();
        else entries.push({ im });
      } catch (e) {
        emitSkip(spec, n, make.name || 'impl', `failed to start: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    await timeAndVerify(spec, n, ctx, entries, table);
  } finally {
    for (const { im } of entries) await im.close();
  }
};

const timeAndVerify = async (spec: StepSpec, n: number, ctx: SuiteContext, entries: Entry[], table: OptimRow[]) => {
  const s0 = startState(n);
  const guard = (e: Entry) => async () => {
    if (e.failed !== undefined) return;
    try {
      await e.im.sample();
    } catch (err) {
      e.failed = err instanceof Error ? err.message : String(err);
    }
  };
  for (const e of entries) {
    try {
      await e.im.reset(s0, spec.reserveP);
    } catch (err) {
      e.failed = err instanceof Error ? err.message : String(err);
    }
  }
  const reps = repsFor(n, ctx.quick);
  const samples = await measure(entries.map(guard), { warmup: 1, reps, stepsPerSample: spec.stepsPerSample });
  const live = entries.filter((e, k) => {
    if (e.failed !== undefined) emitSkip(spec, n, e.im.impl, `failed: ${e.failed}`);
    else {
      const own = e.im.selfTimed?.();
      if (own) samples[k] = own.slice(-reps).map((ms) => ms / spec.stepsPerSample);
    }
    return e.failed === undefined;
  });
  const perStep = new Map(entries.map((e, k) => [e, samples[k]]));
  const rows = live.map((e): Row => ({
    suite: 'optim', name: spec.name, impl: e.im.impl, size: n, steps: e.im.steps, ...summarize(perStep.get(e)!, n), ...e.im.ran(),
  }));
  const c = rows.find((r) => r.impl === 'c-loop')?.median_ms;
  for (const r of rows) {
    const row: OptimRow = c === undefined ? r : { ...r, vs_c: Number((c / r.median_ms).toPrecision(3)) };
    ctx.emit(row);
    table.push(row);
  }

  // verification on each implementation's own full-size state
  // separate zero arrays: one array twice in a message arrives in a worker as ONE array, aliasing m and v
  const sMask: OptimState = { p: s0.p, g: s0.g, m: new Float32Array(n), v: new Float32Array(n) };
  const notes: string[] = [];
  for (const { im } of live) {
    const h: Hyper = { ...spec, ...im.overrides };
    const mismatch = (what: string, err: number, tol: number) => {
      const chk: Check & { what: string } = { check: 'mismatch', suite: 'optim', name: spec.name, impl: im.impl, size: n, rel_err: err, tol, what };
      ctx.emit(chk);
    };
    await im.reset(s0, 1);
    await im.sample();
    const { dp, mv } = mathErrors(spec, { ...h, reserveP: 1 }, s0, await im.state());
    if (!(dp <= TOL_DP)) mismatch(`p - p0 vs float64 reference${spec.kind === 'ctf' ? ' (reserveP 1)' : ''}`, dp, TOL_DP);
    if (!(mv <= TOL_MV)) mismatch(`m, v vs float64 reference${spec.kind === 'ctf' ? ' (reserveP 1)' : ''}`, mv, TOL_MV);
    let note = `${im.impl} dp ${dp.toExponential(1)} mv ${mv.toExponential(1)}`;
    if (spec.kind === 'ctf') {
      await im.reset(sMask, spec.reserveP);
      await im.sample();
      const st = maskStats(h, spec.stepsPerSample, await im.state(), s0.g);
      if (!(Math.abs(st.zNever) <= SIGMAS)) mismatch(`never-kept fraction ${st.neverKept.toFixed(5)} vs ${st.expected.toFixed(5)} (|z|)`, Math.abs(st.zNever), SIGMAS);
      if (!(Math.abs(st.zM) <= SIGMAS)) mismatch('mean m/g vs 1 - b1^steps (|z|)', Math.abs(st.zM), SIGMAS);
      if (!(Math.abs(st.zV) <= SIGMAS)) mismatch('mean v/g^2 vs (1 - b2^steps)/reserveP (|z|)', Math.abs(st.zV), SIGMAS);
      note += ` never-kept ${(100 * st.neverKept).toFixed(2)}% z ${st.zNever.toFixed(1)}/${st.zM.toFixed(1)}/${st.zV.toFixed(1)}`;
    }
    notes.push(note);
  }
  console.error(`  verified ${spec.name} ${sizeLabel(n)}: ${notes.join('; ')}`);
};

/** The harness's table layout plus `vs C` (c-loop median / this median, >1: faster than the 1-thread C loop). */
const optimTable = (rows: readonly OptimRow[]): string => {
  const key = (r: Row) => `${r.name}\0${r.size}`;
  const js = new Map(rows.filter((r) => r.impl === 'js-loop').map((r) => [key(r), r.median_ms]));
  const head = ['name', 'size', 'impl', 'steps', 'median ms', 'min ms', 'max ms', 'Gparam/s', 'vs js', 'vs C', 'backend', 'executor'];
  const ratio = (x: number | undefined) => (x === undefined ? '-' : `${x.toFixed(2)}x`);
  const body = rows.map((r) => [r.name, sizeLabel(r.size), r.impl, String(r.steps), r.median_ms.toFixed(3), r.min_ms.toFixed(3), r.max_ms.toFixed(3),
    r.throughput.toFixed(3), ratio(js.has(key(r)) ? js.get(key(r))! / r.median_ms : undefined), ratio(r.vs_c), r.backend, r.executor]);
  const widths = head.map((h, c) => Math.max(h.length, ...body.map((row) => row[c].length)));
  const numeric = new Set([1, 3, 4, 5, 6, 7, 8, 9]);
  const line = (cells: string[]) => cells.map((s, c) => (numeric.has(c) ? s.padStart(widths[c]) : s.padEnd(widths[c]))).join('  ').trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
};

export const optim: Suite = {
  defaultSizes: [M, 4 * M, 16 * M],
  quickSizes: [M / 4, M],
  run: async (ctx) => {
    // on a 2-core machine any other busy process distorts these rows, the OpenMP one most (its barrier waits out a
    // descheduled thread: ~8 ms per step was seen while another process held a core)
    const load = () => loadavg()[0].toFixed(2);
    const busy = loadavg()[0] > 0.5 * availableParallelism();
    console.error(`  load average ${load()} on ${availableParallelism()} cores${busy ? ': the machine is busy, timings will be distorted' : ''}`);
    const table: OptimRow[] = [];
    for (const n of ctx.sizes) for (const spec of SPECS) await runStep(spec, n, ctx, table);
    console.error(`\noptim (per step; vs C = c-loop median / this median):\n${optimTable(table)}`);
  },
};
