// Where a training step's time goes on wasm: every kernel of one compiled step (forward, backward, AdamW) timed
// per dispatch, state resident as fit trains. Not a suite (timing each dispatch perturbs the totals a little):
//   [PROFILE_TOP=n] npx tsx bench/train-profile.ts [mlp-784-128-10|mlp-784-512-256-10|bert-4x128] [batch] [steps]
// stderr: per model, the step's total, the CPU share of each kind (matmul, reduction, elementwise) and the top
// kernels by CPU time, each product with its tiled shape (batch..xmxnxk) or PER ELEMENT (robust to a busy machine; run
// with GRAFT_THREADS=1 to read it as one core's time).
import * as E from 'fp-ts/lib/Either.js';
import * as nn from '../src/nn/index.js';
import * as o from '../src/optim/index.js';
import type { KernelTime } from '../src/runtime/index.js';
import { createRuntime, isWasmRuntime } from '../src/runtime/index.js';
import { tokenRows } from '../src/train/classifier-objective.js';
import { classifierRunner } from '../src/train/fit.js';
import { BERT_BENCH, BERT_SEQ, bertBatch } from './train-peers/bert.js';

interface ProfiledModel {
  readonly name: string;
  readonly model: nn.Layer<any>;
  readonly features: number[];
  readonly batch: number;
  readonly input?: typeof tokenRows;
  /** A batch of inputs (features or token ids) and labels, deterministic. */
  readonly batchOf: (batch: number, k: number) => { x: Float32Array; y: Float32Array };
  readonly classes: number;
}

const lcg = (seed: number) => {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
};

const mlp = (sizes: number[], batch: number): ProfiledModel => ({
  name: `mlp-${sizes.join('-')}`,
  model: nn.mlpClassifier(sizes),
  features: [sizes[0]],
  batch,
  classes: sizes[sizes.length - 1],
  batchOf: (b, k) => {
    const r = lcg(k + 1);
    return { x: Float32Array.from({ length: b * sizes[0] }, r), y: Float32Array.from({ length: b }, () => Math.floor(r() * sizes[sizes.length - 1])) };
  },
});

/** The issue's BERT classifier: 4 layers, hidden 128, 4 heads, sequence 128; dropout off so every peer computes the same step. */
const SEQ = BERT_SEQ;

const bert = (batch: number): ProfiledModel => ({
  name: 'bert-4x128',
  model: nn.bertClassifier(BERT_BENCH),
  features: [SEQ],
  batch,
  input: tokenRows,
  classes: 2,
  batchOf: (b, k) => {
    const { x, y } = bertBatch(b, k, SEQ);
    return { x, y: Float32Array.from(y) };
  },
});

const kind = (k: KernelTime) => (k.fused.includes('matmul') ? 'matmul' : k.fused.some((f) => f.startsWith('reduce:') || f.startsWith('combine:')) ? 'reduction' : k.reduced > 0 ? 'other accumulation' : 'elementwise');

const profile = async (m: ProfiledModel, steps: number) => {
  const rt = await createRuntime({ backend: 'wasm', profile: true });
  if (!isWasmRuntime(rt)) throw new Error(`wasm is not available here: ${rt.report.fallbackReason}`);
  const p0 = nn.initParams(m.model, 0);
  const names = Object.keys(p0);
  const runner = classifierRunner(rt, m.model, o.adamw(1e-3, { weightDecay: 0.01 }), names, p0, m.batch, m.features, m.input);
  const s0 = await runner.init(p0);
  if (E.isLeft(s0)) throw s0.left;
  let held = runner.resident!.hold(s0.right);
  // batches made before the clock starts: the step's time is the runtime's
  const batches = Array.from({ length: steps + 2 }, (_, k) => m.batchOf(m.batch, k));
  const step = async (k: number) => {
    const b = batches[k];
    const r = await runner.resident!.steps(held, [{ x: b.x, y: b.y, key: Float32Array.of(0) }]);
    if (E.isLeft(r)) throw r.left;
    held = r.right.held;
    return r.right.stepMetrics.loss[0];
  };
  // two warm-up steps: V8 tiers the kernels up
  await step(0);
  await step(1);
  rt.resetProfile();
  const t0 = performance.now();
  for (let k = 0; k < steps; k++) await step(k + 2);
  const total = (performance.now() - t0) / steps;
  const kernels = rt.profile();
  const inKernels = kernels.reduce((a, k) => a + k.ms, 0) / steps;
  const cpu = kernels.reduce((a, k) => a + k.cpuMs, 0) / steps;
  const byKind = new Map<string, number>();
  for (const k of kernels) byKind.set(kind(k), (byKind.get(kind(k)) ?? 0) + k.cpuMs / steps);
  console.error(`\n${m.name} batch ${m.batch}: ${total.toFixed(2)} ms/step wall (${((m.batch * 1000) / total).toFixed(0)} examples/s), ${inKernels.toFixed(2)} ms wall and ${cpu.toFixed(2)} ms CPU in ${kernels.length} kernels`);
  console.error(`  CPU by kind: ${[...byKind].sort((a, b) => b[1] - a[1]).map(([k, ms]) => `${k} ${ms.toFixed(2)} ms (${((100 * ms) / cpu).toFixed(0)}%)`).join(', ')}`);
  for (const k of [...kernels].sort((a, b) => b.cpuMs - a.cpuMs).slice(0, TOP)) {
    console.error(`  ${(k.cpuMs / steps).toFixed(3).padStart(8)} ms CPU  ${kind(k).padEnd(11)} size ${String(k.size).padStart(8)} x ${String(k.reduced).padStart(5)}  ${(k.tiled ? `tiled ${[...k.tiled.batch, k.tiled.m, k.tiled.n, k.tiled.k].join('x')}` : kind(k) === 'matmul' ? 'PER ELEMENT' : '').padEnd(20)} ${k.fused.slice(0, 8).join(' ')}${k.fused.length > 8 ? ' …' : ''}`);
  }
  console.log(JSON.stringify({ profile: m.name, batch: m.batch, ms_per_step: total, kernel_ms: inKernels, kernel_cpu_ms: cpu, cpu_by_kind: Object.fromEntries(byKind) }));
  runner.destroy();
  rt.destroy();
};

const [which, batchArg, stepsArg] = process.argv.slice(2);
/** Kernels listed per model (PROFILE_TOP=n lists more). */
const TOP = Number(process.env.PROFILE_TOP ?? 12);
const steps = Number(stepsArg ?? 5);
const all: ProfiledModel[] = [
  mlp([784, 128, 10], 64), mlp([784, 128, 10], 256), mlp([784, 512, 256, 10], 64), mlp([784, 512, 256, 10], 256), bert(32),
];
for (const m of all) {
  if (which && m.name !== which) continue;
  if (batchArg && m.batch !== Number(batchArg)) continue;
  await profile(m, steps);
}
