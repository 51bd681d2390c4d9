// Matmul suite: the MLP's big products (x·Wᵀ forward, and the weight gradient gᵀ·x) as graft compiles them, in the
// kernel's two forms, against a plain JS loop. Size = batch rows; K = 784 inputs, N = 128 outputs (mlp-784-128-10).
//   graft-grid  the 2-D grid form (column on thread.x, row on thread.y), what the runtime runs on webasm
//   graft-flat  the same plan with the grid form removed: one flat thread index, rows and columns by floor/mod
//   js-loop     i-k-j loops over row-major arrays in a clean worker (one thread)
// Each graft sample is one call running the product STEPS times (rt.loop), so per-call copies are amortised.
// Throughput is GFLOP/s (2·M·K·N per product); `{"check":"mismatch"}` if a form disagrees with the JS loop.
import * as E from 'fp-ts/lib/Either.js';
import * as g from '../src/dsl/index.js';
import { compile } from '../src/compiler/index.js';
import type { Plan } from '../src/compiler/plan.js';
import { createRuntime } from '../src/runtime/index.js';
import type { Suite, SuiteContext } from './harness.js';
import { measure, relErr, summarize } from './harness.js';
import { startJsLoop } from './js-worker.js';
import { mulberry32 } from '../props/mulberry32.js';

const K = 784;
const N = 128;
const STEPS = 8;

interface Product {
  readonly name: string;
  /** Operand shapes and the program; the JS loop gets a (M×K) and b (K×N) in row-major order either way. */
  readonly build: (m: number) => E.Either<Error, g.Program>;
  readonly operands: (m: number) => { a: Float32Array; b: Float32Array; feeds: Record<string, Float32Array> };
}

const random = (n: number, seed: number) => {
  const r = mulberry32(seed);
  return Float32Array.from({ length: n }, () => r() * 2 - 1);
};

const transpose = (x: Float32Array, rows: number, cols: number) => {
  const t = new Float32Array(x.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = x[i * cols + j];
  return t;
};

const PRODUCTS: readonly Product[] = [
  {
    // forward: x [M, K] times the weight [N, K] transposed (torch's Linear layout)
    name: 'forward x·Wᵀ',
    build: (m) => g.program({ x: [m, K], w: [N, K] }, ({ x, w }) => ({ y: g.matmul(x, g.transpose(w)) })),
    operands: (m) => {
      const x = random(m * K, 1);
      const w = random(N * K, 2);
      return { a: x, b: transpose(w, N, K), feeds: { x, w } };
    },
  },
  {
    // weight gradient: xᵀ [K, M] times the output gradient [M, N], as a [K, N] result
    name: 'gradient xᵀ·g',
    build: (m) => g.program({ x: [m, K], gy: [m, N] }, ({ x, gy }) => ({ y: g.matmul(g.transpose(x), gy) })),
    operands: (m) => {
      const x = random(m * K, 3);
      const gy = random(m * N, 4);
      return { a: transpose(x, m, K), b: gy, feeds: { x, gy } };
    },
  },
];

const withoutGrid = (plan: Plan): Plan => ({ ...plan, kernels: plan.kernels.map(({ grid: _grid, ...k }) => k) });

const runProduct = async (p: Product, m: number, ctx: SuiteContext) => {
  const prog = E.getOrElseW((e: Error) => { throw e; })(p.build(m));
  const { a, b, feeds } = p.operands(m);
  // the product's own shape: rows × inner × columns
  const [rows, inner] = p.name.startsWith('forward') ? [m, K] : [K, m];
  const flops = 2 * rows * inner * N;
  const rt = await createRuntime({ backend: ctx.backend });
  const plan = compile(prog);
  const grid = rt.loop(plan, { steps: STEPS, carry: {} });
  const flat = rt.loop(withoutGrid(plan), { steps: STEPS, carry: {} });
  const js = await startJsLoop((out: Float32Array, f: { a: Float32Array; b: Float32Array; rows: number; inner: number; cols: number }) => {
    const { a, b, rows, inner, cols } = f;
    out.fill(0);
    for (let i = 0; i < rows; i++) {
      for (let q = 0; q < inner; q++) {
        const aiq = a[i * inner + q];
        for (let j = 0; j < cols; j++) out[i * cols + j] += aiq * b[q * cols + j];
      }
    }
  }, { a, b, rows, inner, cols: N });
  await js.reset(new Float32Array(rows * N));
  const results: Record<string, Float32Array> = {};
  const graftRun = (name: string, exe: typeof grid) => async () => {
    results[name] = E.getOrElseW((e: Error) => { throw e; })(await exe.run(feeds)).y;
  };
  const impls = [
    { impl: 'graft-grid', steps: STEPS, run: graftRun('graft-grid', grid), executor: () => `${grid.info()?.executor ?? '?'}, ${grid.info()?.gridKernels ?? 0} grid kernel(s)` },
    { impl: 'graft-flat', steps: STEPS, run: graftRun('graft-flat', flat), executor: () => `${flat.info()?.executor ?? '?'}, ${flat.info()?.gridKernels ?? 0} grid kernel(s)` },
    { impl: 'js-loop', steps: 1, run: () => js.run(STEPS), executor: () => 'worker-loop' },
  ];
  const samples = await measure(impls.map((im) => im.run), { warmup: 1, reps: ctx.quick ? 3 : 7, stepsPerSample: STEPS });
  const name = `${p.name} ${rows}x${inner}x${N}`;
  impls.forEach((im, i) => ctx.emit({ suite: 'matmul', name, impl: im.impl, size: m, steps: im.steps, ...summarize(samples[i], flops), unit: 'GFLOP/s', backend: im.impl === 'js-loop' ? 'js' : rt.report.backend, executor: im.executor() }));
  const want = await js.state();
  for (const impl of ['graft-grid', 'graft-flat']) {
    const err = relErr(results[impl], want);
    if (!(err <= 1e-5)) ctx.emit({ check: 'mismatch', suite: 'matmul', name, impl, size: m, rel_err: err, tol: 1e-5 });
  }
  await js.close();
  rt.destroy();
};

export const matmul: Suite = {
  defaultSizes: [64, 256],
  quickSizes: [64],
  run: async (ctx) => {
    for (const m of ctx.sizes) for (const p of PRODUCTS) await runProduct(p, m, ctx);
  },
};
