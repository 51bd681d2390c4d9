// `graft demo`: compile two programs, run them on every backend here, say what ran and how close it came.
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import * as g from '../dsl/index.js';
import type { Program } from '../dsl/index.js';
import { compile, describePlan } from '../compiler/index.js';
import type { BackendChoice, BackendName } from '../runtime/index.js';
import { createRuntime, describeExecution, selectBackend } from '../runtime/index.js';

const orThrow = <A>(e: E.Either<Error, A>): A => E.getOrElse<Error, A>((err) => { throw err; })(e);

/** A two-layer perceptron forward pass with softmax: matmul, broadcasting, reductions, transcendental ops. */
const mlp = (batch: number, inDim: number, hidden: number, classes: number): Program =>
  orThrow(g.program({ x: [batch, inDim], w1: [inDim, hidden], b1: [hidden], w2: [hidden, classes] }, ({ x, w1, b1, w2 }) => {
    const h = g.maximum(g.add(g.matmul(x, w1), b1), 0);
    const logits = g.matmul(h, w2);
    const z = g.sub(logits, g.max(logits, { axes: 1, keepDims: true }));
    const e = g.exp(z);
    return { probs: g.div(e, g.sum(e, { axes: 1, keepDims: true })) };
  }));

/** SGD with a random element mask (Child-Tuning F in one line): the mask is drawn inside the kernel. */
const maskedSgd = (n: number): Program =>
  orThrow(g.program({ p: [n], grad: [n], lr: [], key: { shape: [], dtype: 'i32' } }, ({ p, grad, lr, key }) => ({
    p: pipe(grad, g.mul(g.cast(g.bernoulli(key, 0.3, [n]), 'f32')), g.div(0.3), g.mul(lr), (step) => g.sub(p, step)),
  })));

const fill = (n: number, f: (i: number) => number) => Float32Array.from({ length: n }, (_, i) => f(i));

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

const seconds = (t0: number) => `${((performance.now() - t0) / 1000).toFixed(1)} s`;

/** Auto runs every backend available here; a requested one (--backend or $GRAFT_BACKEND) runs alone. */
export const runDemo = async (o: { backend?: BackendChoice } = {}, log: (line: string) => void = console.log): Promise<void> => {
  const mlpProg = mlp(64, 128, 64, 10);
  const mlpFeeds = { x: fill(64 * 128, (i) => Math.sin(i)), w1: fill(128 * 64, (i) => Math.cos(i) * 0.1), b1: fill(64, (i) => i / 640), w2: fill(64 * 10, (i) => Math.sin(3 * i) * 0.1) };
  const n = 1 << 20;
  const sgdProg = maskedSgd(n);
  const steps = 8;
  const keys = Array.from({ length: steps }, (_, s) => g.randomKey(42, s));
  const p0 = fill(n, (i) => Math.sin(i));
  const grad = fill(n, (i) => Math.cos(i));

  const mlpPlan = compile(mlpProg);
  const sgdPlan = compile(sgdProg);
  log(`mlp forward: ${mlpPlan.kernels.length} kernels from ${mlpPlan.stats.nodes} nodes\n${describePlan(mlpPlan).replace(/^/gm, '  ')}`);
  log(`masked sgd: ${sgdPlan.kernels.length} kernel, ${steps} steps per call\n${describePlan(sgdPlan).replace(/^/gm, '  ')}`);

  const selected = await selectBackend(o.backend);
  const backends: BackendName[] = selected.requested !== 'auto' ? [selected.backend] : selected.backend === 'webgpu' ? ['webgpu', 'wasm', 'webasm', 'cpu'] : ['wasm', 'webasm', 'cpu'];
  if (selected.fallbackReason) log(`skipped: ${selected.fallbackReason}`);

  log(`float64 reference: interpreting both programs (${steps} steps over ${n} params)...`);
  const tRef = performance.now();
  const reference = orThrow(g.interpret(mlpProg, mlpFeeds));
  // the float64 reference of the masked SGD loop, step by step
  let refP: ArrayLike<number> = p0;
  for (const key of keys) refP = orThrow(g.interpret(sgdProg, { p: refP, grad, lr: 0.01, key })).p;
  log(`float64 reference: done in ${seconds(tRef)}`);

  for (const backend of backends) {
    log(`${backend}: building the kernels and running both programs...`);
    const tBackend = performance.now();
    const rt = await createRuntime({ backend });
    try {
      const fwd = rt.load(mlpPlan);
      const loop = rt.loop(sgdPlan, { steps, carry: { p: 'p' }, perStep: ['key'] });
      const t0 = performance.now();
      const probs = orThrow(await fwd.run(mlpFeeds)).probs;
      const t1 = performance.now();
      const p = orThrow(await loop.run({ p: p0, grad, lr: 0.01, key: keys })).p;
      const t2 = performance.now();
      const fi = fwd.info()!;
      const li = loop.info()!;
      log(`${backend}: mlp forward ran on ${describeExecution(fi)} in ${(t1 - t0).toFixed(1)} ms, max |error| ${maxAbsDiff(probs, reference.probs).toExponential(2)} vs float64`);
      log(`${backend}: ${steps} masked-sgd steps over ${n} params ran on ${describeExecution(li)} in ${(t2 - t1).toFixed(1)} ms, max |error| ${maxAbsDiff(p, refP).toExponential(2)} vs float64${li.fallbackReason ? ` (fallback: ${li.fallbackReason})` : ''}`);
      log(`${backend}: done in ${seconds(tBackend)} (first runs include building the kernels)`);
    } finally {
      rt.destroy();
    }
  }
};
