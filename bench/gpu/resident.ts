// GPU figures for issue 13's goals, on the webgpu backend with every tensor resident: the fused
// AdamW and Child-Tuning AdamW F steps (GB/s at 28 B/param, against the device's own measured copy
// bandwidth and, if given, its rated bandwidth) and a matmul (GFLOP/s, against a rated f32 peak if
// given). Each result is checked against graft's wasm backend before it is reported.
//   tsx bench/gpu/resident.ts [--params 16M] [--matmul 2048] [--steps 20] [--bandwidth GB/s] [--peak GFLOP/s]
// stdout: one JSON line per figure; stderr: progress and a table.
import { parseArgs } from 'node:util';
import * as E from 'fp-ts/lib/Either.js';
import * as g from '../../src/dsl/index.js';
import * as o from '../../src/optim/index.js';
import { compile } from '../../src/compiler/index.js';
import type { Plan } from '../../src/compiler/plan.js';
import type { GpuTensor, Runtime, WebGPURuntime } from '../../src/runtime/index.js';
import { createRuntime } from '../../src/runtime/index.js';

const right = <A>(e: E.Either<unknown, A>): A => {
  if (E.isLeft(e)) throw e.left;
  return e.right;
};
const size = (s: string): number => {
  const m = /^(\d+)([KkMm]?)$/.exec(s.trim());
  if (!m) throw new Error(`'${s}' is not a size like 16M, 256K or 1000`);
  return Number(m[1]) * (m[2] === '' ? 1 : m[2].toUpperCase() === 'K' ? 2 ** 10 : 2 ** 20);
};
const { values } = parseArgs({ options: { params: { type: 'string', default: '16M' }, matmul: { type: 'string', default: '2048' }, steps: { type: 'string', default: '20' }, bandwidth: { type: 'string' }, peak: { type: 'string' } } });
const N = size(values.params!);
const MM = size(values.matmul!);
const STEPS = Number(values.steps);
const RATED_GBS = values.bandwidth ? Number(values.bandwidth) : undefined;
const RATED_GFLOPS = values.peak ? Number(values.peak) : undefined;
const log = (s: string) => console.error(s);
const fill = (n: number, f: (i: number) => number) => Float32Array.from({ length: n }, (_, i) => f(i));

const best = async (reps: number, f: () => Promise<void>): Promise<number> => {
  let t = Infinity;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    await f();
    t = Math.min(t, performance.now() - t0);
  }
  return t / 1000;
};

const maxRelDiff = (a: Float32Array, b: Float32Array): number => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]) / Math.max(1, Math.abs(b[i]))), 0);

const gpu = (await createRuntime({ backend: 'webgpu' })) as WebGPURuntime;
if (gpu.report.backend !== 'webgpu') throw new Error(`no webgpu adapter: ${gpu.report.fallbackReason}`);
const wasm: Runtime = await createRuntime({ backend: 'wasm' });
log(`bench/gpu: adapter ${gpu.report.adapter}; ${N} params, matmul ${MM}³, ${STEPS} steps per call`);
const rows: Record<string, unknown>[] = [];
const emit = (r: Record<string, unknown>) => {
  rows.push(r);
  console.log(JSON.stringify({ suite: 'gpu', adapter: gpu.report.adapter, ...r }));
};

// the device's own copy bandwidth: read + write of a buffer the size of the AdamW state
{
  const bytes = N * 4 * 4;
  const copy = right(g.program({ x: [N * 4 > 2 ** 24 ? 2 ** 24 : N * 4] }, ({ x }) => ({ y: g.neg(x) })));
  const plan = compile(copy);
  const n = plan.buffers[plan.inputs.x].size;
  const ex = gpu.loop(plan, { steps: STEPS, carry: { x: 'y' } });
  const x = gpu.upload(new Float32Array(n));
  await ex.call({ x });
  await gpu.sync();
  const t = await best(3, async () => {
    const out = right(await ex.call({ x }));
    await gpu.sync();
    Object.values(out).forEach((v) => gpu.dispose(v));
  });
  const gbs = (2 * n * 4 * STEPS) / t / 1e9;
  emit({ name: 'stream-copy', elements: n, gbs: +gbs.toPrecision(3), note: `-x over ${n} floats, read + write; reference for the AdamW goal (state ${bytes} B)` });
}
const measuredGBs = rows[0].gbs as number;

for (const [name, t] of [['adamw', o.adamw(1e-3, { weightDecay: 0.01 })], ['child-tuning-adamw-F', o.childTuningAdamW(1e-3, { mode: 'F', reserveP: 0.3, seed: 1, weightDecay: 0.01 })]] as const) {
  const steps = right(o.buildStep(t, { w: [N] }));
  const plan: Plan = compile(steps.step);
  const state0 = right(g.interpret(steps.init!, { 'p:w': new Float32Array(N) }));
  const keys = plan.inputSpecs.filter((s) => s.name.startsWith('key:')).map((s) => s.name);
  const feeds: Record<string, Float32Array> = { 'p:w': fill(N, (i) => Math.sin(i)), 'g:w': fill(N, (i) => Math.cos(i * 0.3)), ...Object.fromEntries(Object.entries(state0).map(([k, v]) => [k, Float32Array.from(v)])), ...Object.fromEntries(keys.map((k) => [k, Float32Array.of(g.randomKey(1, 2))])) };
  const carry = { 'p:w': 'p:w', ...Object.fromEntries(steps.state.map((s) => [`s:${s}`, `s:${s}`])) };
  const kernels = plan.kernelIR!.filter((k) => k.size === N).length;
  const ex = gpu.loop(plan, { steps: STEPS, carry }, name);
  let state: Record<string, GpuTensor> = Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, gpu.upload(v, plan.buffers[plan.inputs[k]].shape)]));
  const donate = Object.keys(carry);
  const once = async () => {
    const out = right(await ex.call(state, { donate }));
    state = { ...state, ...Object.fromEntries(Object.entries(carry).map(([i, k]) => [i, out[k]])) };
    for (const [k, v] of Object.entries(out)) if (!Object.values(carry).includes(k)) gpu.dispose(v);
  };
  await once();
  await gpu.sync();
  const sec = (await best(3, async () => (await once(), await gpu.sync()))) / STEPS;
  // the same step count on wasm from the same start, compared after the run
  const g1 = right(await gpu.loop(plan, { steps: 2, carry }).run(feeds));
  const w1 = right(await wasm.loop(plan, { steps: 2, carry }).run(feeds));
  const diff = Math.max(...Object.keys(carry).map((k) => maxRelDiff(g1[k], w1[k])));
  const gbs = (28 * N) / sec / 1e9;
  emit({ name, params: N, kernels, gparams: +(N / sec / 1e9).toFixed(3), gbs: +gbs.toPrecision(3), ofMeasuredCopy: +(gbs / measuredGBs).toFixed(2), ...(RATED_GBS ? { ofRated: +(gbs / RATED_GBS).toFixed(2), goal: 0.5 } : {}), maxRelDiffVsWasm: diff, ok: diff < 1e-4 });
  Object.values(state).forEach((v) => gpu.dispose(v));
}

// the matmul tiled (workgroup memory, register tiles) and, beside it, one invocation per element
const untiled = (await createRuntime({ backend: 'webgpu', tiledMatmul: false })) as WebGPURuntime;
for (const [name, rt] of [['matmul', gpu], ['matmul per element', untiled]] as const) {
  const prog = right(g.program({ a: [MM, MM], b: [MM, MM] }, ({ a, b }) => ({ c: g.matmul(a, b) })));
  const plan = compile(prog);
  const ex = rt.load(plan, name);
  const [a, b] = [fill(MM * MM, (i) => Math.sin(i)), fill(MM * MM, (i) => Math.cos(i))];
  const inputs = { a: rt.upload(a, [MM, MM]), b: rt.upload(b, [MM, MM]) };
  const reps = Math.max(1, Math.min(STEPS, 5));
  const run = async () => {
    for (let r = 0; r < reps; r++) rt.dispose(right(await ex.call(inputs)).c);
    await rt.sync();
  };
  await run();
  const sec = (await best(3, run)) / reps;
  const got = right(await ex.run({ a, b })).c;
  const want = right(await wasm.load(plan).run({ a, b })).c;
  const diff = maxRelDiff(got, want);
  const gflops = (2 * MM ** 3) / sec / 1e9;
  emit({ name, m: MM, gflops: +gflops.toPrecision(3), tiledKernels: ex.info()?.tiledKernels ?? 0, ...(RATED_GFLOPS ? { ofPeak: +(gflops / RATED_GFLOPS).toFixed(3), goal: 0.3 } : {}), maxRelDiffVsWasm: diff, ok: diff < 1e-4 });
}
untiled.destroy();

log('\nname                   figure');
for (const r of rows) log(`${String(r.name).padEnd(22)} ${r.gbs !== undefined ? `${r.gbs} GB/s` : `${r.gflops} GFLOP/s`}${r.ofRated !== undefined ? ` (${r.ofRated} of rated, goal 0.5)` : r.ofMeasuredCopy !== undefined ? ` (${r.ofMeasuredCopy} of the measured copy)` : ''}${r.ofPeak !== undefined ? ` (${r.ofPeak} of peak, goal 0.3)` : ''}${r.ok === false ? '  MISMATCH vs wasm' : ''}`);
wasm.destroy();
gpu.destroy();
if (rows.some((r) => r.ok === false)) process.exitCode = 1;
