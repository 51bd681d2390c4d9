// Training suite: training throughput (examples per second) of one model and optimizer in graft and its peers, side
// by side in one interleaved run. The model is an MLP classifier (784-128-10, and 784-512-256-10; ReLU), the loss
// softmax cross-entropy, the optimizer torch.optim.AdamW (lr 1e-3, weight decay 0.01; graft's o.adamw), on real MNIST
// digits (src/train/data/mnist.ts) at the batch sizes asked for (default 64 and 256; `--sizes 64` picks batches).
//   graft-step  createOptimizerRunner over classifierObjective: forward, backward and AdamW in one compiled plan,
//               one call per step, state resident on wasm (bench/train-graft.ts)
//   graft-steps the same plan, 8 steps (a batch each) per call: one pipeline
//   graft-step-1t, graft-steps-1t  the same on one thread (wasm)
//   tfjs-wasm   @tensorflow/tfjs on wasm: tf.variableGrads in tf.tidy, AdamW composed from ops (tfjs has no AdamW)
//   jax-js      @jax-js/jax on wasm: jit(valueAndGrad + AdamW update), each step awaited
// BERT row (TRAIN_MODELS=bert-4x128 runs it alone): graft's nn.bertClassifier (bench/train-peers/bert.ts: 4 layers, hidden 128, 4 heads, sequence 128,
// vocabulary 1000, dropout off) at batch 32 on deterministic random token ids, graft-step and graft-step-1t only, the
// peers rebuilt from graft's weights (tfjs-wasm-bert.ts, jax-js-bert.ts); one step per sample, one round. It learns
// by fitting the check batch: its first two losses are the one-step check, the third below BERT_LEARN_FRACTION of
// the first.
// A sample runs a fixed number of steps (per model) over batches made ahead of time and cycled; every
// implementation starts from the same weights (graft's nn.initParams, copied into the peers).
//
// stdout: one JSON line per row (throughput in examples/s, `vs_best` = its throughput / the group's best), a
// `{"verify":...}` line per implementation and configuration, `{"skip":...}` for anything that could not run, and
// `{"check":"mismatch",...}` for a failed verification; stderr: progress and this suite's table.
// Verification, after the timed run of each configuration, on every implementation:
//   one step  from identical weights on one batch, two steps: the losses at the start (step 1) and after one AdamW
//             update (step 2) agree across implementations within ONE_STEP_TOL relative (pairwise)
//   learning  from the same weights, LEARN_STEPS steps over fresh batches: the mean loss of the last LAST steps is
//             below LOSS_MAX (the start is ln 10 = 2.30)
import { availableParallelism, loadavg } from 'node:os';
import * as nn from '../src/nn/index.js';
import { IMAGE_SIZE, loadDigits } from '../src/train/data/mnist.js';
import type { Digits } from '../src/train/data/mnist.js';
import { permutation } from '../src/train/data/shuffle.js';
import type { Check, Row, Suite, SuiteContext } from './harness.js';
import { measure, summarize } from './harness.js';
import { graftStep, graftStep1t, graftSteps, graftSteps1t } from './train-graft.js';
import { jaxJs } from './train-peers/jax-js.js';
import { tfjsWasm } from './train-peers/tfjs-wasm.js';
import type { BertBench } from './train-peers/bert.js';
import { BERT_BENCH, BERT_SEQ, bertBatch } from './train-peers/bert.js';
import type { Batch, BenchEnv, TrainFactory, TrainImpl, TrainSpec } from './train-peers/types.js';

interface Model {
  readonly name: string;
  /** MLP widths; BERT: [sequence, labels]. */
  readonly sizes: readonly number[];
  /** A BERT classifier at this config (token ids in), its own batch size, and only these implementations. */
  readonly bert?: { readonly config: BertBench; readonly batch: number; readonly impls: readonly TrainFactory[] };
  /** Steps per timed sample (the same for every implementation), and rounds timed (default and --quick). */
  readonly stepsPerSample: number;
  readonly reps: number;
}

/** The small model is also the --quick run; the large one has fewer, longer samples to keep the run short. */
const MODELS: readonly Model[] = [
  { name: 'mlp-784-128-10', sizes: [IMAGE_SIZE, 128, 10], stepsPerSample: 8, reps: 7 },
  { name: 'mlp-784-512-256-10', sizes: [IMAGE_SIZE, 512, 256, 10], stepsPerSample: 4, reps: 5 },
  // a step is seconds here: one step per sample, one round, graft one step per call only
  { name: 'bert-4x128', sizes: [BERT_SEQ, BERT_BENCH.numLabels], bert: { config: BERT_BENCH, batch: 32, impls: [graftStep, graftStep1t, tfjsWasm, jaxJs] }, stepsPerSample: 1, reps: 1 },
];
const QUICK_REPS = 3;
const OPTIMIZER = { lr: 1e-3, b1: 0.9, b2: 0.999, eps: 1e-8, wd: 0.01 } as const;
const INIT_SEED = 0;
const DATA_SEED = 7;

export const IMPLS: readonly TrainFactory[] = [graftStep, graftSteps, graftStep1t, graftSteps1t, tfjsWasm, jaxJs];

/** First-step losses agree within this (relative, pairwise): measured up to 4e-7 at the start and 9e-7 after one step. */
const ONE_STEP_TOL = 1e-5;
const LEARN_STEPS = 50;
const LAST = 5;
const LOSS_MAX = 1.0;
/** BERT learns (random tokens and labels) by fitting one batch: after BERT_LEARN_STEPS steps on it, its loss is below BERT_LEARN_FRACTION of the first. */
const BERT_LEARN_STEPS = 3;
const BERT_LEARN_FRACTION = 0.95;

/** Batches of `batch` examples taken in a seeded order (stream `stream`), wrapping past the end of the data. */
const makeBatches = (d: Digits, batch: number, count: number, stream: number): Batch[] => {
  const order = permutation(d.count, DATA_SEED, stream);
  return Array.from({ length: count }, (_, k) => {
    const x = new Float32Array(batch * IMAGE_SIZE);
    const y = new Int32Array(batch);
    for (let j = 0; j < batch; j++) {
      const i = order[(k * batch + j) % d.count];
      x.set(d.images.subarray(i * IMAGE_SIZE, (i + 1) * IMAGE_SIZE), j * IMAGE_SIZE);
      y[j] = d.labels[i];
    }
    return { x, y };
  });
};

interface Entry {
  readonly im: TrainImpl;
  failed?: string;
}

const skipped = new Set<string>();
const emitSkip = (spec: TrainSpec, impl: string, reason: string) => {
  console.error(`  skip ${impl} (${spec.name} batch ${spec.batch}): ${reason}`);
  const key = `${impl}\0${spec.name}\0${spec.batch}\0${reason}`;
  if (skipped.has(key)) return;
  skipped.add(key);
  console.log(JSON.stringify({ skip: impl, suite: 'train', name: spec.name, size: spec.batch, reason }));
};

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

type TrainRow = Row & { readonly steps_per_sample: number; readonly vs_best: number };

const round = (x: number, digits = 4) => Number(x.toPrecision(digits));

const runConfig = async (model: Model, batch: number, digits: Digits, ctx: SuiteContext, table: TrainRow[]) => {
  const spec: TrainSpec = { name: model.name, sizes: model.sizes, batch, ...OPTIMIZER, ...(model.bert ? { bert: model.bert.config } : {}) };
  const env: BenchEnv = { backend: ctx.backend, quick: ctx.quick };
  const steps = model.stepsPerSample;
  const reps = ctx.quick ? QUICK_REPS : model.reps;
  const params0 = nn.initParams(model.bert ? nn.bertClassifier(model.bert.config) : nn.mlpClassifier(model.sizes), INIT_SEED);
  // BERT: deterministic random token ids (bench/train-peers/bert.ts), stream s as seeds from 1000·s
  const batchesOf = (count: number, stream: number): Batch[] =>
    model.bert ? Array.from({ length: count }, (_, k) => bertBatch(batch, 1000 * stream + k, model.sizes[0], model.bert!.config)) : makeBatches(digits, batch, count, stream);
  const entries: Entry[] = [];
  try {
    for (const make of model.bert?.impls ?? IMPLS) {
      try {
        const im = await make(spec, env);
        if ('skip' in im) emitSkip(spec, im.skip, im.reason);
        else entries.push({ im });
      } catch (e) {
        emitSkip(spec, make.name || 'impl', `failed to start: ${message(e)}`);
      }
    }
    const attempt = async (e: Entry, f: () => Promise<unknown>) => {
      if (e.failed !== undefined) return;
      try {
        await f();
      } catch (err) {
        e.failed = message(err);
      }
    };

    // timing: every implementation from the same weights over the same pre-made batches, interleaved rounds
    const timing = batchesOf(Math.max(steps, 2), 0);
    for (const e of entries) await attempt(e, async () => (await e.im.load(timing), await e.im.reset(params0)));
    console.error(`  ${spec.name} batch ${batch}: ${entries.length} implementations, ${steps} steps per sample, 1 warm-up + ${reps} rounds`);
    const samples = await measure(entries.map((e) => () => attempt(e, () => e.im.run(steps))), { warmup: 1, reps, stepsPerSample: steps });
    const timed = entries.map((e, k) => ({ e, perStep: samples[k] })).filter(({ e }) => {
      if (e.failed !== undefined) emitSkip(spec, e.im.impl, `failed: ${e.failed}`);
      return e.failed === undefined;
    });
    const ran = new Map<Entry, { backend: string; executor: string }>();
    for (const { e } of timed) ran.set(e, await e.im.ran().catch((err: unknown) => ({ backend: '?', executor: `? (${message(err)})` })));
    const base = timed.map(({ e, perStep }) => {
      const s = summarize(perStep, batch);
      return { e, row: { suite: 'train', name: spec.name, impl: e.im.impl, size: batch, steps: 1, ...s, throughput: (batch * 1000) / s.median_ms, unit: 'examples/s', ...ran.get(e)! } };
    });
    const best = Math.max(...base.map(({ row }) => row.throughput));
    for (const { row } of base) {
      const r: TrainRow = { ...row, steps_per_sample: steps, vs_best: round(row.throughput / best, 3) };
      ctx.emit(r);
      table.push(r);
    }

    // verification: the same start on every implementation, losses compared across them and against a threshold
    const live = timed.map(({ e }) => e);
    const mismatch = (impl: string, what: string, err: number, tol: number) => {
      const chk: Check & { what: string } = { check: 'mismatch', suite: 'train', name: spec.name, impl, size: batch, rel_err: err, tol, what };
      ctx.emit(chk);
    };
    const [check] = batchesOf(1, 1);
    const first = new Map<Entry, number[]>();
    // BERT fits the check batch, so its first two steps are the one-step check (a step costs seconds)
    if (!model.bert) {
      for (const e of live) {
        await attempt(e, async () => {
          await e.im.load([check]);
          await e.im.reset(params0);
          first.set(e, await e.im.run(2, true));
        });
      }
    }
    const learnSteps = model.bert ? BERT_LEARN_STEPS : LEARN_STEPS;
    const last = model.bert ? 1 : LAST;
    const learning = model.bert ? [check] : batchesOf(LEARN_STEPS, 2);
    const curve = new Map<Entry, number[]>();
    for (const e of live) {
      await attempt(e, async () => {
        await e.im.load(learning);
        await e.im.reset(params0);
        const losses = await e.im.run(learnSteps, true);
        curve.set(e, losses);
        if (model.bert) first.set(e, losses.slice(0, 2));
        await e.im.load([]);
      });
    }
    const rel = (a: number, b: number) => (a === b ? 0 : Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b)));
    const notes: string[] = [];
    for (const e of live) {
      if (e.failed !== undefined) {
        mismatch(e.im.impl, `verification failed: ${e.failed}`, Infinity, 0);
        continue;
      }
      const [l0, l1] = first.get(e)!;
      const others = live.filter((o) => o !== e && first.has(o)).map((o) => first.get(o)!);
      const rel0 = Math.max(0, ...others.map(([o0]) => rel(l0, o0)));
      const rel1 = Math.max(0, ...others.map(([, o1]) => rel(l1, o1)));
      const losses = curve.get(e)!;
      const lastMean = losses.slice(-last).reduce((a, b) => a + b, 0) / last;
      const threshold = model.bert ? BERT_LEARN_FRACTION * losses[0] : LOSS_MAX;
      if (!(rel0 <= ONE_STEP_TOL)) mismatch(e.im.impl, 'loss at the shared start weights vs the other implementations (max pairwise relative)', rel0, ONE_STEP_TOL);
      if (!(rel1 <= ONE_STEP_TOL)) mismatch(e.im.impl, 'loss after one AdamW step from the shared start vs the other implementations (max pairwise relative)', rel1, ONE_STEP_TOL);
      if (!(lastMean < threshold)) mismatch(e.im.impl, `mean loss of steps ${learnSteps - last + 1}-${learnSteps} vs the learning threshold (absolute)`, lastMean, threshold);
      console.log(JSON.stringify({
        verify: e.im.impl, suite: 'train', name: spec.name, size: batch, loss_start: round(l0, 6), loss_after_1: round(l1, 6), rel_start: round(rel0, 3), rel_after_1: round(rel1, 3),
        loss_step_1: round(losses[0], 4), [`loss_last_${last}`]: round(lastMean, 4), steps: learnSteps, threshold: round(threshold, 4), ok: rel0 <= ONE_STEP_TOL && rel1 <= ONE_STEP_TOL && lastMean < threshold,
      }));
      notes.push(`${e.im.impl} start ${l0.toFixed(5)} after-1 ${l1.toFixed(5)} (rel ${rel1.toExponential(1)}) last-${last} ${lastMean.toFixed(3)}`);
    }
    console.error(`  verified ${spec.name} batch ${batch}: ${notes.join('; ')}`);
  } finally {
    for (const { im } of entries) await im.close().catch(() => undefined);
  }
};

/** Rows grouped by model and batch; `vs best` = this throughput / the group's best (1.00x: the fastest). */
const trainTable = (rows: readonly TrainRow[]): string => {
  const head = ['model', 'batch', 'impl', 'steps/sample', 'median ms/step', 'min ms', 'max ms', 'examples/s', 'vs best', 'backend', 'executor'];
  const body = rows.map((r) => [r.name, String(r.size), r.impl, String(r.steps_per_sample), r.median_ms.toFixed(2), r.min_ms.toFixed(2), r.max_ms.toFixed(2),
    r.throughput.toFixed(0), `${r.vs_best.toFixed(2)}x`, r.backend, r.executor]);
  const widths = head.map((h, c) => Math.max(h.length, ...body.map((row) => row[c].length)));
  const numeric = new Set([1, 3, 4, 5, 6, 7, 8]);
  const line = (cells: string[]) => cells.map((s, c) => (numeric.has(c) ? s.padStart(widths[c]) : s.padEnd(widths[c]))).join('  ').trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
};

export const train: Suite = {
  defaultSizes: [64, 256],
  quickSizes: [64],
  run: async (ctx) => {
    const busy = loadavg()[0] > 0.5 * availableParallelism();
    console.error(`  load average ${loadavg()[0].toFixed(2)} on ${availableParallelism()} cores${busy ? ': the machine is busy, timings will be distorted' : ''}`);
    const digits = loadDigits([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // TRAIN_MODELS=bert-4x128 (comma-separated names) runs only those rows
    const only = process.env.TRAIN_MODELS?.split(',');
    const models = (ctx.quick ? MODELS.slice(0, 1) : MODELS).filter((m) => !only || only.includes(m.name));
    const table: TrainRow[] = [];
    const batchesFor = (model: Model) => (model.bert ? [model.bert.batch] : ctx.sizes);
    for (const model of models) for (const batch of batchesFor(model)) await runConfig(model, batch, digits, ctx, table);
    console.error(`\ntrain (throughput in examples/s at the median step; vs best = throughput / the group's best):\n${trainTable(table)}`);
    for (const model of models) {
      for (const batch of batchesFor(model)) {
        const group = table.filter((r) => r.name === model.name && r.size === batch);
        // graft's best way of running against the best peer (graft's other rows are not peers)
        const byThroughput = (a: TrainRow, b: TrainRow) => b.throughput - a.throughput;
        const graft = group.filter((r) => r.impl.startsWith('graft-')).sort(byThroughput)[0];
        const peers = group.filter((r) => !r.impl.startsWith('graft-')).sort(byThroughput);
        if (graft && peers.length) {
          const x = graft.throughput / peers[0].throughput;
          console.error(`  ${model.name} batch ${batch}: ${graft.impl} ${graft.throughput.toFixed(0)} examples/s = ${x.toFixed(2)}x the best peer (${peers[0].impl}, ${peers[0].throughput.toFixed(0)})${x >= 1 ? '' : ': graft is slower'}`);
        }
      }
    }
  },
};
