// What `graft text`'s fine-tuning half costs per piece on wasm, for the default BERT (4 layers, hidden 128, 2 heads,
// vocabulary 4096) as a spam classifier: CPU-seconds per training step of 16 mails and per evaluated mail, at each
// mail length (rows filled to it: most mails fill any cut up to 128 tokens), the compile counted apart:
//   npx tsx bench/text-finetune-cost.ts [lengths, e.g. 32,64,128] [steps]
// CPU-seconds are the process's (every worker thread), which the machine's load does not inflate as it does wall time.
import * as nn from '../src/nn/index.js';
import * as o from '../src/optim/index.js';
import { createRuntime } from '../src/runtime/index.js';
import { classifierRunners, evaluator, trainEpoch } from '../src/train/fit.js';
import type { Examples } from '../src/train/fit.js';
import { maskedTokenRows } from '../src/train/classifier-objective.js';

const [lengthsArg, stepsArg] = process.argv.slice(2);
const LENGTHS = (lengthsArg ?? '64,128').split(',').map(Number);
const STEPS = Number(stepsArg ?? 4);
const BATCH = 16;
const EVAL = 64;
const config: nn.BertConfig = { vocabSize: 4096, hiddenSize: 128, numHiddenLayers: 4, numAttentionHeads: 2, intermediateSize: 512, maxPositionEmbeddings: 128, numLabels: 2 };

const cpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

/** `count` rows [3, length] of [CLS] pseudo-random words [SEP], all `length` long. */
const filledRows = (count: number, length: number): Examples => {
  let s = 7;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const inputs = new Float32Array(count * 3 * length);
  for (let k = 0; k < count; k++) for (let t = 0; t < length; t++) {
    inputs[3 * k * length + t] = t === 0 ? 2 : t === length - 1 ? 3 : 5 + Math.floor(rand() * 4000);
    inputs[(3 * k + 1) * length + t] = 1;
  }
  return { inputs, labels: Int32Array.from({ length: count }, (_, i) => i % 2), count, lengths: new Int32Array(count).fill(length) };
};

const rt = await createRuntime({ backend: 'wasm' });
const model = nn.bertClassifier(config);
const params = nn.initParams(model, 0);
const names = Object.keys(params);
for (const length of LENGTHS) {
  const features = [3, length];
  const train = filledRows(BATCH * STEPS, length);
  const runners = classifierRunners(rt, model, o.chain(o.clipByGlobalNorm(1), o.childTuningAdamW(1e-4, { weightDecay: 0.01 })), names, params, BATCH, features, maskedTokenRows);
  let s = await runners.full.init(params);
  if (s._tag === 'Left') throw s.left;
  const opts = { batchSize: BATCH, seed: 1, width: 3 * length, features, padMultiple: 16, stepsPerCall: 4 };
  let c0 = cpuSeconds();
  let w0 = performance.now();
  const first = await trainEpoch(runners.at, s.right, train, 0, opts);
  const compile = cpuSeconds() - c0;
  c0 = cpuSeconds();
  w0 = performance.now();
  await trainEpoch(runners.at, first.state, train, 1, opts);
  const step = (cpuSeconds() - c0) / STEPS;
  const stepWall = (performance.now() - w0) / 1000 / STEPS;
  runners.destroy();
  const ev = evaluator(rt, model, features, filledRows(EVAL, length), maskedTokenRows, true, 16);
  c0 = cpuSeconds();
  await ev.run(params);
  const evalCompile = cpuSeconds() - c0;
  c0 = cpuSeconds();
  await ev.run(params);
  const perMail = (cpuSeconds() - c0) / EVAL;
  ev.destroy();
  console.log(`length ${length}: training step of ${BATCH} ${step.toFixed(2)} CPU-s (${stepWall.toFixed(2)} s wall; first epoch with compile ${compile.toFixed(1)} CPU-s for ${STEPS} steps); evaluation ${(perMail * 1000).toFixed(1)} CPU-ms a mail (first pass with compile ${evalCompile.toFixed(1)} CPU-s for ${EVAL})`);
}
rt.destroy();
