// Multi-output suite: an Adam-like step writing p, m and v, lowered three ways, to document graft's choice.
//   graft-siblings  graft's lowering: one kernel per output in one pipeline; p reads the new m and v buffers
//   gpujs-recompute three gpu.js kernels that each recompute the whole step from p, g, m, v
//   gpujs-vec4      one gpu.js kernel returning [p, m, v, 0] (one step per call: a vec4 result cannot feed the next step)
//   js-loop         the same step as a plain loop, in a clean worker
import * as E from 'fp-ts/lib/Either.js';
import { GPU } from 'gpu.js';
import * as g from '../src/dsl/index.js';
import { compile } from '../src/compiler/index.js';
import { createRuntime } from '../src/runtime/index.js';
import type { Suite, SuiteContext } from './harness.js';
import { measure, relErr, summarize } from './harness.js';
import { startJsLoop } from './js-worker.js';

const M = 2 ** 20;
const STEPS = 8;
const B1 = 0.9;
const B2 = 0.999;
const LR = 1e-3;
const EPS = 1e-8;

const program = (n: number) =>
  g.program({ p: [n], gr: [n], m: [n], v: [n] }, ({ p, gr, m, v }) => {
    const m2 = g.add(g.mul(m, B1), g.mul(gr, 1 - B1));
    const v2 = g.add(g.mul(v, B2), g.mul(g.mul(gr, gr), 1 - B2));
    return { p2: g.sub(p, g.div(g.mul(m2, LR), g.add(g.sqrt(v2), EPS))), m2, v2 };
  });

const STEP_BODY = `const gg = G[this.thread.x]; const m = ${B1} * M[this.thread.x] + ${1 - B1} * gg; const v = ${B2} * V[this.thread.x] + ${1 - B2} * gg * gg; const p = P[this.thread.x] - ${LR} * m / (Math.sqrt(v) + ${EPS});`;

const fill = (n: number, f: (i: number) => number) => Float32Array.from({ length: n }, (_, i) => f(i));

type State = { p: Float32Array; m: Float32Array; v: Float32Array };

const runSize = async (n: number, ctx: SuiteContext) => {
  const gr = fill(n, (i) => Math.sin(i * 0.001));
  const s0: State = { p: fill(n, (i) => Math.cos(i)), m: new Float32Array(n), v: new Float32Array(n) };
  const rt = await createRuntime({ backend: ctx.backend });
  const gpu = new GPU({ mode: rt.report.backend === 'wasm' ? 'webasm' : rt.report.backend }) as unknown as { createKernel(s: string, o: object): (...a: unknown[]) => unknown; createPipeline(f: (...h: unknown[]) => unknown): ((...a: unknown[]) => Promise<Record<string, Float32Array>>) & { executorKind?: string }; destroy(): void };
  const plan = compile(E.getOrElseW((e: Error) => { throw e; })(program(n)));
  const siblings = rt.loop(plan, { steps: STEPS, carry: { p: 'p2', m: 'm2', v: 'v2' } });
  const k = (ret: string) => gpu.createKernel(`function(P, G, M, V) { ${STEP_BODY} return ${ret}; }`, { output: [n], asyncMode: true });
  const [kp, km, kv] = [k('p'), k('m'), k('v')];
  const recompute = gpu.createPipeline(function (P: unknown, G: unknown, M: unknown, V: unknown) {
    for (let s = 0; s < STEPS; s++) [P, M, V] = [kp(P, G, M, V), km(P, G, M, V), kv(P, G, M, V)];
    return { p: P, m: M, v: V };
  });
  const k4 = gpu.createKernel(`function(P, G, M, V) { ${STEP_BODY} return [p, m, v, 0]; }`, { output: [n], asyncMode: true });
  const js = await startJsLoop((p: Float32Array, f: { gr: Float32Array; m: Float32Array; v: Float32Array; b1: number; b2: number; lr: number; eps: number }) => {
    const { gr, m, v, b1, b2, lr, eps } = f; // hoisted: property loads per element would handicap the loop
    for (let i = 0; i < p.length; i++) {
      const gg = gr[i];
      const mi = b1 * m[i] + (1 - b1) * gg;
      const vi = b2 * v[i] + (1 - b2) * gg * gg;
      m[i] = mi;
      v[i] = vi;
      p[i] -= (lr * mi) / (Math.sqrt(vi) + eps);
    }
  }, { gr, m: s0.m.slice(), v: s0.v.slice(), b1: B1, b2: B2, lr: LR, eps: EPS });
  await js.reset(s0.p.slice());

  let a = s0;
  let b = s0;
  const impls = [
    { impl: 'graft-siblings', steps: STEPS, run: async () => {
      const o = E.getOrElseW((e: Error) => { throw e; })(await siblings.run({ p: a.p, gr, m: a.m, v: a.v }));
      a = { p: o.p2, m: o.m2, v: o.v2 };
    }, executor: () => siblings.info()?.executor ?? '?' },
    { impl: 'gpujs-recompute', steps: STEPS, run: async () => {
      const o = await recompute(b.p, gr, b.m, b.v);
      b = { p: o.p, m: o.m, v: o.v };
    }, executor: () => recompute.executorKind ?? '?' },
    { impl: 'gpujs-vec4', steps: 1, run: async () => {
      for (let s = 0; s < STEPS; s++) await k4(s0.p, gr, s0.m, s0.v);
    }, executor: () => 'kernel' },
    { impl: 'js-loop', steps: 1, run: () => js.run(STEPS), executor: () => 'worker-loop' },
  ];
  const reps = ctx.quick ? 2 : n >= 4 * M ? 5 : 9;
  const samples = await measure(impls.map((im) => im.run), { warmup: 1, reps, stepsPerSample: STEPS });
  impls.forEach((im, i) => ctx.emit({ suite: 'multioutput', name: 'adam-pmv', impl: im.impl, size: n, steps: im.steps, ...summarize(samples[i], n), backend: im.impl === 'js-loop' ? 'js' : rt.report.backend, executor: im.executor() }));
  // both pipelines ran the same number of steps from the same state: they must agree
  const err = relErr(a.p, b.p);
  if (!(err <= 1e-5)) ctx.emit({ check: 'mismatch', suite: 'multioutput', name: 'adam-pmv', impl: 'graft-siblings', size: n, rel_err: err, tol: 1e-5 });
  await js.close();
  gpu.destroy();
  rt.destroy();
};

export const multioutput: Suite = {
  defaultSizes: [M, 4 * M],
  quickSizes: [M / 4],
  run: async (ctx) => {
    for (const n of ctx.sizes) await runSize(n, ctx);
  },
};
