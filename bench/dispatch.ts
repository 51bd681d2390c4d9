// Dispatch suite: the cost of one small op (y = x * 2 + 1 over 256 floats), microseconds per call:
// graft wasm on a resident tensor (the op alone), graft wasm on host arrays (upload and read
// back included), and jax-js jit on its wasm backend (blockUntilReady each call). Results checked
// against a JS loop. stdout: JSON lines (median_ms per call; throughput in calls/s); stderr: a table.
import * as E from 'fp-ts/lib/Either.js';
import * as g from '../src/dsl/index.js';
import { compile } from '../src/compiler/index.js';
import { createWasmRuntime } from '../src/runtime/index.js';
import type { Row, Suite, SuiteContext } from './harness.js';
import { measure, relErr, summarize } from './harness.js';
import { loadJax } from './optim-peers/jax-js.js';

const CALLS = 200;

const orThrow = <A>(e: E.Either<Error, A>): A => {
  if (E.isLeft(e)) throw e.left;
  return e.right;
};

const runSize = async (n: number, ctx: SuiteContext, rows: Row[]) => {
  const x = Float32Array.from({ length: n }, (_, i) => Math.sin(i));
  const want = x.map((v) => v * 2 + 1);
  const plan = compile(orThrow(g.program({ x: [n] }, ({ x: t }) => ({ y: g.add(g.mul(t, 2), 1) }))));
  const rt = createWasmRuntime({ requested: 'wasm', backend: 'wasm' }, { threads: 1 });
  const ex = rt.load(plan, 'dispatch');
  const xr = rt.upload(x);
  const jax = await loadJax();
  const f = jax.jit((a: import('@jax-js/jax').Array) => a.mul(2).add(1));
  const xj = jax.numpy.array(x);
  const impls: Array<[string, string, () => Promise<void>, () => Promise<Float32Array>]> = [
    ['graft-wasm-resident', 'wasm call(), output disposed', async () => {
      for (let i = 0; i < CALLS; i++) rt.dispose(orThrow(await ex.call({ x: xr })).y);
    }, async () => orThrow(rt.read(orThrow(await ex.call({ x: xr })).y))],
    ['graft-wasm-host', 'wasm run(), upload and read back', async () => {
      for (let i = 0; i < CALLS; i++) orThrow(await ex.run({ x }));
    }, async () => orThrow(await ex.run({ x })).y],
    ['jax-js', 'jit on wasm, blockUntilReady', async () => {
      for (let i = 0; i < CALLS; i++) await f(xj.ref).blockUntilReady();
    }, async () => Float32Array.from(await f(xj.ref).data() as Float32Array)],
  ];
  const times = await measure(impls.map(([, , sample]) => sample), { warmup: 2, reps: ctx.quick ? 3 : 9, stepsPerSample: CALLS });
  for (const [k, [impl, executor, , result]] of impls.entries()) {
    const err = relErr(await result(), want);
    if (err > 1e-6) ctx.emit({ check: 'mismatch', suite: 'dispatch', name: 'mul-add', impl, size: n, rel_err: err, tol: 1e-6 });
    const s = summarize(times[k], n);
    const row: Row = { suite: 'dispatch', name: 'mul-add', impl, size: n, steps: 1, ...s, throughput: 1e3 / s.median_ms, unit: 'calls/s', backend: impl === 'jax-js' ? 'jax-js wasm' : 'wasm', executor };
    rows.push(row);
    ctx.emit(row);
  }
  xj.dispose();
  rt.destroy();
};

export const dispatch: Suite = {
  defaultSizes: [256],
  quickSizes: [256],
  run: async (ctx) => {
    const rows: Row[] = [];
    for (const n of ctx.sizes) await runSize(n, ctx, rows);
    process.stderr.write('(dispatch: ms are per call; x 1000 for microseconds)\n');
  },
};
