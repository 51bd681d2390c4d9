// Matmul suite: the products of an MLP step (784→128 and 512→256 layers at batch `size`: forward x·Wᵀ, weight
// gradient gᵀ·x, input gradient g·W) and of a BERT layer (hidden 128, 4 heads, sequence 128, batch 32: QKV, attention
// scores q·kᵀ, context p·v, FFN 128→512→128), each in the layout training uses (the kernel packs what it reads along k):
//   graft-1t / graft-Nt          graft's wasm backend, tiled kernels, on 1 thread / every core, resident operands
//   graft-1t-fma / graft-Nt-fma  the same with relaxed-simd FMA (enabled here by a V8 flag on Node 20; other bits)
//   jax-js                       @jax-js/jax jit(np.matmul) on its wasm backend (single-threaded in Node)
//   c-blocked                    a blocked i-k-j loop, gcc -O3 -march=native, row-major A·B (its own best layout)
// plus `c-fma-peak`: one core's 128-bit FMA throughput (12 independent chains), the ceiling for f32x4 code.
// GFLOP/s = 2·batch·m·k·n per product; every result is checked against a float64 product (`{"check":"mismatch"}`).
// `--sizes` sets the MLP batches (default 64, 256); `--quick` runs batch 64 without the BERT rows.
import v8 from 'node:v8';
import { availableParallelism } from 'node:os';
import * as E from 'fp-ts/lib/Either.js';
import * as g from '../src/dsl/index.js';
import { compile } from '../src/compiler/index.js';
import { renderWasm } from '../src/compiler/wasm/render.js';
import { relaxedSimdProbe } from '../src/compiler/wasm/probe.js';
import { createWasmRuntime } from '../src/runtime/index.js';
import type { WasmRuntime } from '../src/runtime/wasm/runtime.js';
import type { Suite, SuiteContext } from './harness.js';
import { measure, relErr, summarize } from './harness.js';
import { mulberry32 } from '../props/mulberry32.js';
import type * as JAX from '@jax-js/jax';
import { loadJax } from './optim-peers/jax-js.js';
import { buildC, cMatmul, fmaPeak } from './matmul-peers/c-matmul.js';

/**
 * For this suite only (undone after it, so other suites see the defaults): Node 20 has relaxed-simd behind a flag
 * (newer engines ship it), and wasm is compiled by V8's optimising tier up front, for graft and jax-js alike: on a
 * loaded machine the background tier-up can lag for seconds, and this suite measures steady-state kernels.
 */
const SUITE_FLAGS = [['--experimental-wasm-relaxed-simd', '--no-experimental-wasm-relaxed-simd'], ['--no-liftoff', '--liftoff']] as const;

/** nn: a [m, k]·b [k, n]; nt: a [m, k]·b [n, k]ᵀ; tn: a [k, m]ᵀ·b [k, n] (batch axes lead). */
type Layout = 'nn' | 'nt' | 'tn';

interface Product {
  readonly name: string;
  readonly size: number;
  readonly batch: readonly number[];
  readonly m: number;
  readonly k: number;
  readonly n: number;
  readonly layout: Layout;
}

const mlp = (batch: number): Product[] =>
  [[784, 128], [512, 256]].flatMap(([inF, outF]) => [
    { name: `mlp ${inF}→${outF} forward x·Wᵀ`, size: batch, batch: [], m: batch, k: inF, n: outF, layout: 'nt' as const },
    { name: `mlp ${inF}→${outF} weight grad gᵀ·x`, size: batch, batch: [], m: outF, k: batch, n: inF, layout: 'tn' as const },
    { name: `mlp ${inF}→${outF} input grad g·W`, size: batch, batch: [], m: batch, k: outF, n: inF, layout: 'nn' as const },
  ]);

/** BERT: hidden 128, 4 heads of 32, sequence 128, batch 32 (4096 tokens). */
const bert = (): Product[] => [
  { name: 'bert QKV x·Wᵀ', size: 32, batch: [], m: 4096, k: 128, n: 384, layout: 'nt' },
  { name: 'bert scores q·kᵀ', size: 32, batch: [32, 4], m: 128, k: 32, n: 128, layout: 'nt' },
  { name: 'bert context p·v', size: 32, batch: [32, 4], m: 128, k: 128, n: 32, layout: 'nn' },
  { name: 'bert FFN up x·Wᵀ', size: 32, batch: [], m: 4096, k: 128, n: 512, layout: 'nt' },
  { name: 'bert FFN down h·Wᵀ', size: 32, batch: [], m: 4096, k: 512, n: 128, layout: 'nt' },
];

const count = (s: readonly number[]) => s.reduce((x, y) => x * y, 1);

/** Operand shapes as the program takes them. */
const shapes = (p: Product): { a: number[]; b: number[] } => ({
  a: [...p.batch, ...(p.layout === 'tn' ? [p.k, p.m] : [p.m, p.k])],
  b: [...p.batch, ...(p.layout === 'nt' ? [p.n, p.k] : [p.k, p.n])],
});

const swapLast = (rank: number) => [...Array.from({ length: rank - 2 }, (_, i) => i), rank - 1, rank - 2];

const random = (n: number, seed: number) => {
  const r = mulberry32(seed);
  return Float32Array.from({ length: n }, () => r() * 2 - 1);
};

/** Per batch entry, the [rows, cols] matrix transposed. */
const transposeEach = (x: Float32Array, batches: number, rows: number, cols: number) => {
  const t = new Float32Array(x.length);
  for (let bt = 0; bt < batches; bt++) for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[bt * rows * cols + j * rows + i] = x[bt * rows * cols + i * cols + j];
  return t;
};

/** Row-major A [m, k] and B [k, n] per batch entry, as the C peer and the float64 reference take them. */
const canonical = (p: Product, a: Float32Array, b: Float32Array) => {
  const nb = count(p.batch);
  return { A: p.layout === 'tn' ? transposeEach(a, nb, p.k, p.m) : a, B: p.layout === 'nt' ? transposeEach(b, nb, p.n, p.k) : b };
};

const float64Product = (p: Product, A: Float32Array, B: Float32Array): Float64Array => {
  const { m, k, n } = p;
  const out = new Float64Array(count(p.batch) * m * n);
  const row = new Float64Array(n);
  for (let bt = 0; bt < count(p.batch); bt++) {
    for (let i = 0; i < m; i++) {
      row.fill(0);
      for (let q = 0; q < k; q++) {
        const aiq = A[bt * m * k + i * k + q];
        const bq = bt * k * n + q * n;
        for (let j = 0; j < n; j++) row[j] += aiq * B[bq + j];
      }
      out.set(row, bt * m * n + i * n);
    }
  }
  return out;
};

interface Graft {
  readonly impl: string;
  readonly rt: WasmRuntime;
}

const runProduct = async (p: Product, ctx: SuiteContext, grafts: readonly Graft[], c: { bin: string } | { reason: string }) => {
  const s = shapes(p);
  const a = random(count(s.a), 1 + p.m + p.k);
  const b = random(count(s.b), 2 + p.n + p.k);
  const flops = 2 * count(p.batch) * p.m * p.k * p.n;
  // each sample covers ~40 MFLOP (several products for small shapes), so call costs stay out of the figure
  const steps = Math.max(1, Math.round(4e7 / flops));
  const reps = ctx.quick ? 3 : 15;
  const label = `${p.name} ${p.batch.length ? `${p.batch.join('x')}x` : ''}${p.m}x${p.k}x${p.n}`;
  const prog = E.getOrElseW((e: Error) => { throw e; })(
    g.program({ a: s.a, b: s.b }, ({ a: x, b: y }) => ({
      y: g.matmul(p.layout === 'tn' ? g.transpose(x, swapLast(s.a.length)) : x, p.layout === 'nt' ? g.transpose(y, swapLast(s.b.length)) : y),
    })),
  );
  const plan = compile(prog);
  const results: Record<string, Float32Array> = {};
  const samplers: { impl: string; run: () => Promise<void>; executor: string; backend: string; finish: () => Promise<void> | void }[] = [];
  for (const gr of grafts) {
    const exe = gr.rt.loop(plan, { steps, carry: {} }, label);
    const ra = gr.rt.upload(a, s.a);
    const rb = gr.rt.upload(b, s.b);
    const product = plan.kernelIR!.find((k) => k.fused.includes('matmul'))!;
    samplers.push({
      impl: gr.impl,
      backend: 'wasm',
      executor: renderWasm(product, { maxPages: 1, fma: gr.impl.endsWith('fma') }).schedule,
      run: async () => {
        const out = E.getOrElseW((e: Error) => { throw e; })(await exe.call({ a: ra, b: rb }));
        if (!results[gr.impl]) results[gr.impl] = E.getOrElseW((e: Error) => { throw e; })(gr.rt.read(out.y));
        gr.rt.dispose(out.y);
      },
      finish: () => {
        gr.rt.dispose(ra);
        gr.rt.dispose(rb);
        exe.destroy();
      },
    });
  }
  const jax = await loadJax();
  const { jit, numpy: np } = jax;
  const f = jit((x: JAX.Array, y: JAX.Array) => np.matmul(p.layout === 'tn' ? x.transpose(swapLast(s.a.length)) : x, p.layout === 'nt' ? y.transpose(swapLast(s.b.length)) : y));
  const ja = np.array(a).reshape(s.a);
  const jb = np.array(b).reshape(s.b);
  samplers.push({
    impl: 'jax-js',
    backend: 'jax-js wasm',
    executor: 'jit(np.matmul), 1 thread',
    run: async () => {
      for (let i = 0; i < steps; i++) {
        const out = f(ja.ref, jb.ref);
        await jax.blockUntilReady(out);
        if (!results['jax-js']) results['jax-js'] = Float32Array.from((await out.data()) as Float32Array);
        else out.dispose();
      }
    },
    finish: () => {
      ja.dispose();
      jb.dispose();
    },
  });
  const samples = await measure(samplers.map((x) => x.run), { warmup: 1, reps, stepsPerSample: steps });
  samplers.forEach((x, i) => ctx.emit({ suite: 'matmul', name: label, impl: x.impl, size: p.size, steps, ...summarize(samples[i], flops), unit: 'GFLOP/s', backend: x.backend, executor: x.executor }));
  for (const x of samplers) await x.finish();
  const { A, B } = canonical(p, a, b);
  if ('bin' in c) {
    const r = await cMatmul(c.bin, count(p.batch), p.m, p.k, p.n, A, B, reps * steps);
    results['c-blocked'] = r.c;
    ctx.emit({ suite: 'matmul', name: label, impl: 'c-blocked', size: p.size, steps: 1, median_ms: r.median_ms, min_ms: r.best_ms, max_ms: r.max_ms, throughput: flops / (r.median_ms * 1e6), unit: 'GFLOP/s', backend: 'c', executor: 'gcc -O3 -march=native, row-major A·B' });
  }
  const want = Float32Array.from(float64Product(p, A, B));
  for (const [impl, got] of Object.entries(results)) {
    const err = relErr(got, want);
    if (!(err <= 1e-5)) ctx.emit({ check: 'mismatch', suite: 'matmul', name: label, impl, size: p.size, rel_err: err, tol: 1e-5 });
  }
};

export const matmul: Suite = {
  defaultSizes: [64, 256],
  quickSizes: [64],
  run: async (ctx) => {
    SUITE_FLAGS.forEach(([on]) => v8.setFlagsFromString(on));
    try {
      await runSuite(ctx);
    } finally {
      SUITE_FLAGS.forEach(([, off]) => v8.setFlagsFromString(off));
    }
  },
};

const runSuite = async (ctx: SuiteContext) => {
  const all = availableParallelism();
  const fma = WebAssembly.validate(relaxedSimdProbe());
  const grafts: Graft[] = [];
  for (const threads of all > 1 ? [1, all] : [1]) {
    for (const withFma of fma ? [false, true] : [false]) {
      grafts.push({ impl: `graft-${threads}t${withFma ? '-fma' : ''}`, rt: createWasmRuntime({ requested: 'wasm', backend: 'wasm' }, { threads, fma: withFma }) });
    }
  }
  const c = await buildC();
  if ('reason' in c) console.error(`matmul: no C peer: ${c.reason}`);
  else {
    const gflops = await fmaPeak(c.bin, ctx.quick ? 100 : 400);
    ctx.emit({ suite: 'matmul', name: 'fma peak, 128-bit, 1 core', impl: 'c-fma-peak', size: 0, steps: 1, median_ms: 0, min_ms: 0, max_ms: 0, throughput: gflops, unit: 'GFLOP/s', backend: 'c', executor: '12 independent vfmadd chains' });
  }
  try {
    for (const m of ctx.sizes) for (const p of mlp(m)) await runProduct(p, ctx, grafts, c);
    if (!ctx.quick) for (const p of bert()) await runProduct(p, ctx, grafts, c);
  } finally {
    grafts.forEach((x) => x.rt.destroy());
  }
};
