// Elementwise suite: SGD update, a 10-op chain and a transcendental-heavy step, as graft one-call-per-step, graft fused multistep, and a plain JS loop.
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import * as g from '../src/dsl/index.js';
import { compile } from '../src/compiler/index.js';
import type { Executable, Runtime } from '../src/runtime/index.js';
import { createRuntime } from '../src/runtime/index.js';
import type { Suite, SuiteContext } from './harness.js';
import { relErr, measure, summarize } from './harness.js';
import type { JsStep } from './js-worker.js';
import { startJsLoop } from './js-worker.js';
import { mulberry32 } from '../props/mulberry32.js';

const M = 2 ** 20;
/** Steps per graft-multistep call, and per timed sample for every implementation so all do equal work. */
const STEPS = 16;
const TOL = 1e-4;

type Fixed = Record<string, Float32Array | number>;

/** A program whose input `state` is replaced by output `out` each step, plus the same step in plain JS. */
interface Case {
  readonly name: string;
  readonly state: string;
  readonly out: string;
  readonly build: (n: number) => E.Either<g.BuildError, g.Program>;
  /** Inputs other than the state, fixed across steps. */
  readonly fixed: (n: number) => Fixed;
  readonly js: JsStep<Fixed>;
}

const sgd: Case = {
  name: 'sgd',
  state: 'p',
  out: 'p2',
  build: (n) => g.program({ p: [n], gr: [n], lr: [] }, ({ p, gr, lr }) => ({ p2: g.sub(p, g.mul(gr, lr)) })),
  fixed: (n) => ({ gr: random(n, 2), lr: Math.fround(0.01) }), // the f32 lr graft sees, so both sides do the same math
  js: (p, f) => {
    const gr = f.gr as Float32Array;
    const lr = f.lr as number;
    for (let i = 0; i < p.length; i++) p[i] -= lr * gr[i];
  },
};

// x -> (|clamp(1.5x - 0.25, -1, 1)| * 0.75 + 0.1) / 1.7 - 0.3 is a contraction into [-0.25, 0.2]: bounded over any number of steps.
const chain: Case = {
  name: 'chain10',
  state: 'p',
  out: 'q',
  build: (n) => g.program({ p: [n] }, ({ p }) => ({
    q: pipe(p, g.mul(1.5), g.add(0.25), g.sub(0.5), g.maximum(-1), g.minimum(1), g.abs, g.mul(0.75), g.add(0.1), g.div(1.7), g.sub(0.3)),
  })),
  fixed: () => ({}),
  js: (p) => {
    for (let i = 0; i < p.length; i++) {
      const x = Math.min(Math.max(p[i] * 1.5 + 0.25 - 0.5, -1), 1);
      p[i] = (Math.abs(x) * 0.75 + 0.1) / 1.7 - 0.3;
    }
  },
};

// x -> 0.8·tanh(1.5x) + 0.1·exp(-x) - 0.05·log(1 + x²): bounded in [-0.9, 1.1]; exp, log and tanh per element
const transcendental: Case = {
  name: 'exp-log-tanh',
  state: 'p',
  out: 'q',
  build: (n) => g.program({ p: [n] }, ({ p }) => ({
    q: g.sub(g.add(g.mul(g.tanh(g.mul(p, 1.5)), 0.8), g.mul(g.exp(g.neg(p)), 0.1)), g.mul(g.log(g.add(g.mul(p, p), 1)), 0.05)),
  })),
  fixed: () => ({}),
  js: (p) => {
    for (let i = 0; i < p.length; i++) {
      const x = p[i];
      p[i] = 0.8 * Math.tanh(1.5 * x) + 0.1 * Math.exp(-x) - 0.05 * Math.log(1 + x * x);
    }
  },
};

const CASES: readonly Case[] = [sgd, chain, transcendental];

/** Deterministic uniform values in [-1, 1) (mulberry32), so runs are comparable. */
const random = (n: number, seed: number): Float32Array => {
  const u = mulberry32(seed);
  return Float32Array.from({ length: n }, () => u() * 2 - 1);
};

const orThrow = <L, R>(e: E.Either<L, R>): R => {
  if (E.isLeft(e)) throw e.left;
  return e.right;
};

/** One implementation under test: state reset to p0, one sample = STEPS steps, and what ran. */
interface Impl {
  readonly impl: string;
  readonly steps: number;
  reset(p0: Float32Array): Promise<void> | void;
  sample(): Promise<void>;
  state(): Promise<Float32Array> | Float32Array;
  ran(): { backend: string; executor: string };
  close(): Promise<void> | void;
}

const graftImpl = (impl: string, ex: Executable, calls: number, c: Case, fixed: Fixed): Impl => {
  let cur: Float32Array = new Float32Array(0);
  return {
    impl,
    steps: STEPS / calls,
    reset: (p0) => void (cur = p0.slice()),
    sample: async () => {
      for (let i = 0; i < calls; i++) cur = orThrow(await ex.run({ ...fixed, [c.state]: cur }))[c.out];
    },
    state: () => cur,
    ran: () => ({ backend: ex.info()?.backend ?? '?', executor: ex.info()?.executor ?? '?' }),
    close: () => {}, // rt.destroy() frees the executable
  };
};

const jsImpl = async (c: Case, fixed: Fixed): Promise<Impl> => {
  const loop = await startJsLoop(c.js, fixed);
  return {
    impl: 'js-loop',
    steps: 1,
    reset: loop.reset,
    sample: () => loop.run(STEPS),
    state: loop.state,
    ran: () => ({ backend: 'js', executor: 'worker-loop' }),
    close: loop.close,
  };
};

/** Fewer repetitions at larger sizes keep the default run within a few minutes on 2 cores. */
const repsFor = (n: number, quick: boolean): number => (quick ? 3 : n >= 16 * M ? 5 : n >= 4 * M ? 9 : 15);

const runCase = async (c: Case, n: number, ctx: SuiteContext) => {
  // a runtime per case: its executables (and their large buffers) are freed before the next size
  const rt = await createRuntime({ backend: ctx.backend });
  const impls: Impl[] = [];
  try {
    await timeAndCheck(rt, impls, c, n, ctx);
  } finally {
    for (const im of impls) await im.close();
    rt.destroy();
  }
};

const timeAndCheck = async (rt: Runtime, impls: Impl[], c: Case, n: number, ctx: SuiteContext) => {
  const plan = compile(orThrow(c.build(n)));
  const fixed = c.fixed(n);
  impls.push(
    graftImpl('graft-call', rt.load(plan), STEPS, c, fixed),
    graftImpl('graft-multistep', rt.loop(plan, { steps: STEPS, carry: { [c.state]: c.out } }), 1, c, fixed),
    await jsImpl(c, fixed),
  );
  const p0 = random(n, 1);
  for (const im of impls) await im.reset(p0);
  const samples = await measure(impls.map((im) => im.sample), { warmup: 1, reps: repsFor(n, ctx.quick), stepsPerSample: STEPS });
  impls.forEach((im, k) => ctx.emit({ suite: 'elementwise', name: c.name, impl: im.impl, size: n, steps: im.steps, ...summarize(samples[k], n), ...im.ran() }));
  // verify from a fresh start (the timed chain state has converged toward its fixed point): STEPS steps each vs the JS loop
  for (const im of impls) {
    await im.reset(p0);
    await im.sample();
  }
  const ref = await impls[impls.length - 1].state();
  for (const im of impls.slice(0, -1)) {
    const err = relErr(await im.state(), ref);
    if (!(err <= TOL)) ctx.emit({ check: 'mismatch', suite: 'elementwise', name: c.name, impl: im.impl, size: n, rel_err: err, tol: TOL });
  }
};

export const elementwise: Suite = {
  defaultSizes: [M, 4 * M, 16 * M],
  quickSizes: [M / 4, M],
  run: async (ctx) => {
    for (const n of ctx.sizes) for (const c of CASES) await runCase(c, n, ctx);
  },
};
