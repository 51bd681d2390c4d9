// Where `graft text`'s MLM pre-training step spends its time on wasm: the default BERT (vocabulary 4096, 4 layers,
// hidden 128, 2 heads) at batch 32, logits at every position (as before) against only at the chosen ones:
//   npx tsx bench/text-mlm.ts [length] [steps]
// stderr: per objective, the compile time (plan, load, init, first step), ms per step and CPU by kernel kind.
import * as E from 'fp-ts/lib/Either.js';
import * as g from '../src/dsl/index.js';
import type { Shape } from '../src/dsl/index.js';
import * as nn from '../src/nn/index.js';
import * as o from '../src/optim/index.js';
import type { Objective } from '../src/optim/step.js';
import type { KernelTime } from '../src/runtime/index.js';
import { createRuntime, isWasmRuntime } from '../src/runtime/index.js';
import { maskedTokenRows } from '../src/train/classifier-objective.js';
import { createOptimizerRunner } from '../src/train/optimizer-runner.js';
import { maskBatch, maskedTargets, mlmCapacity, mlmObjective } from '../src/train/text/mlm.js';

const [lengthArg, stepsArg] = process.argv.slice(2);
const LENGTH = Number(lengthArg ?? 128);
const STEPS = Number(stepsArg ?? 3);
const BATCH = 32;
const VOCAB = 4096;
const config: nn.BertConfig = { vocabSize: VOCAB, hiddenSize: 128, numHiddenLayers: 4, numAttentionHeads: 2, intermediateSize: 512, maxPositionEmbeddings: 128, numLabels: 2 };
const masking = { maskId: 4, vocabSize: VOCAB, specialIds: new Set([0, 1, 2, 3, 4]) };

/** The objective as it was: logits at every position, -1 labels where nothing was chosen. */
const everyPosition = (model: nn.Layer<any>, features: Shape): Objective => ({
  inputs: { x: { shape: [BATCH, ...features], dtype: 'i32' }, y: { shape: [BATCH, LENGTH], dtype: 'i32' }, key: { shape: [], dtype: 'i32' } },
  frozen: {},
  build: (params, inputs) => {
    const logits = model.apply(params, maskedTokenRows.adapt(inputs.x), nn.trainCtx(inputs.key)) as g.Tensor;
    const flat = g.reshape(logits, [BATCH * LENGTH, VOCAB]);
    const labels = g.reshape(inputs.y, [BATCH * LENGTH]);
    return { loss: nn.crossEntropy(flat, labels), metrics: { accuracy: nn.accuracy(flat, labels) } };
  },
});

const kind = (k: KernelTime) => (k.fused.includes('matmul') ? 'matmul' : k.fused.some((f) => f.startsWith('reduce:') || f.startsWith('combine:')) ? 'reduction' : 'elementwise');

// rows of real-looking length: [CLS] words [SEP], all LENGTH long
let s = 7;
const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
const rows = new Float32Array(BATCH * 3 * LENGTH);
for (let k = 0; k < BATCH; k++) for (let t = 0; t < LENGTH; t++) {
  rows[3 * k * LENGTH + t] = t === 0 ? 2 : t === LENGTH - 1 ? 3 : 5 + Math.floor(rand() * (VOCAB - 5));
  rows[(3 * k + 1) * LENGTH + t] = 1;
}
const all = Int32Array.from({ length: BATCH }, (_, i) => i);

for (const gathered of [false, true]) {
  const rt = await createRuntime({ backend: 'wasm', profile: true });
  if (!isWasmRuntime(rt)) throw new Error(`wasm is not available here: ${rt.report.fallbackReason}`);
  const model = nn.bertForMaskedLM(config);
  const p0 = nn.initParams(model, 0);
  const features = [3, LENGTH];
  const capacity = mlmCapacity(BATCH, LENGTH);
  const t0 = performance.now();
  const runner = E.getOrElseW((e: Error) => { throw e; })(createOptimizerRunner(rt, o.adamw(1e-4, { weightDecay: 0.01 }), nn.paramShapes(model), gathered ? mlmObjective(model, BATCH, features) : everyPosition(model, features)));
  const s0 = await runner.init(p0);
  if (E.isLeft(s0)) throw s0.left;
  let held = runner.resident!.hold(s0.right);
  const feeds = (epoch: number) => {
    const { x, y } = maskBatch(rows, LENGTH, all, LENGTH, masking, 1, epoch, capacity);
    return { x, y: gathered ? maskedTargets(y, capacity) : y, key: Float32Array.of(epoch) };
  };
  const step = async (k: number) => {
    const r = await runner.resident!.steps(held, [feeds(k)]);
    if (E.isLeft(r)) throw r.left;
    held = r.right.held;
    return r.right.stepMetrics.loss[0];
  };
  const first = await step(0);
  const compile = (performance.now() - t0) / 1000;
  rt.resetProfile();
  const t1 = performance.now();
  let last = first;
  for (let k = 1; k <= STEPS; k++) last = await step(k);
  const ms = (performance.now() - t1) / STEPS;
  const kernels = rt.profile();
  const cpu = kernels.reduce((a, k) => a + k.cpuMs, 0) / STEPS;
  const byKind = new Map<string, number>();
  for (const k of kernels) byKind.set(kind(k), (byKind.get(kind(k)) ?? 0) + k.cpuMs / STEPS);
  console.error(`${gathered ? `chosen positions (${capacity} rows)` : `every position (${BATCH * LENGTH} rows)`}, batch ${BATCH} x ${LENGTH}: compile + first step ${compile.toFixed(1)} s; ${ms.toFixed(0)} ms/step wall, ${cpu.toFixed(0)} ms CPU in kernels (${[...byKind].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${((100 * v) / cpu).toFixed(0)}%`).join(', ')}); loss ${first.toFixed(3)} -> ${last.toFixed(3)}`);
  runner.destroy();
  rt.destroy();
}
