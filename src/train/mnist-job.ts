// The main job: pre-train an MLP on digits 0–4 (cached as a checkpoint), then fine-tune on a small
// labelled set of 5–9 with four methods over several seeds, evaluated on held-out 5–9 images.
import { GENERATOR_VERSION } from '../dsl/counter-hash.js';
import { toIR } from '../compiler/ir.js';
import { buildStep } from '../optim/step.js';
import { classifierObjective } from './classifier-objective.js';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import type { Runtime } from '../runtime/index.js';
import * as nn from '../nn/index.js';
import * as o from '../optim/index.js';
import { fisherMask } from '../optim/index.js';
import type { PhaseMachineConfig } from '../optim/phases/index.js';
import type { EpochRecord, Examples } from './fit.js';
import { evaluator, fit } from './fit.js';
import { scheduledFit } from './scheduled-fit.js';
import type { Values } from './optimizer-runner.js';
import { fisherScores } from './fisher-pass.js';
import { IMAGE_SIZE, countDigits, loadDigits, take } from './data/mnist.js';
import { permutation } from './data/shuffle.js';
import { loadCheckpoint, saveCheckpoint } from './checkpoint/index.js';
import type { JobRunOutputs, RunIo } from './run-checkpoints.js';
import { finishedBefore, fitRunCheckpoint, keptEpochs, runIo, runKey as settingsRunKey, scheduledRunCheckpoint } from './run-checkpoints.js';
import { classCounts, staleHeadNote } from './report/stale-head.js';
import { afterEpochs } from './report/markdown.js';

export interface JobConfig {
  readonly hidden: number;
  readonly pretrainEpochs: number;
  readonly finetuneEpochs: number;
  readonly labelled: number;
  /** Images of 5–9 for validation each epoch (early stopping and restore-best of the scheduled method). */
  readonly validation: number;
  readonly heldOut: number;
  readonly batchSize: number;
  readonly lr: number;
  readonly reserveP: number;
  readonly seeds: readonly number[];
  /** Epochs the scheduled method trains the head alone before thawing the rest. */
  readonly headEpochs: number;
  /** Which methods to compare; default all four. */
  readonly methods?: readonly Method[];
  /** Training steps per runtime call: amortises per-call copies; the numbers do not change. */
  readonly stepsPerCall: number;
}

export const DEFAULT_JOB: JobConfig = { hidden: 128, pretrainEpochs: 3, finetuneEpochs: 10, labelled: 500, validation: 500, heldOut: 2000, batchSize: 50, lr: 1e-3, reserveP: 0.3, seeds: [1, 2, 3], headEpochs: 3, stepsPerCall: 5 };

/** The digits the MLP is pre-trained on, and the new ones it is fine-tuned and tested on. */
export const PRETRAIN_DIGITS: readonly number[] = [0, 1, 2, 3, 4];
export const FINETUNE_DIGITS: readonly number[] = [5, 6, 7, 8, 9];

export type Method = 'full' | 'scheduled' | 'child-tuning-F' | 'child-tuning-D';
export const METHODS: readonly Method[] = ['full', 'scheduled', 'child-tuning-F', 'child-tuning-D'];

export interface RunResult {
  readonly method: Method;
  readonly seed: number;
  readonly testAccuracy: number;
  readonly seconds: number;
  /** Per epoch; eval columns are on the validation set. */
  readonly records: readonly EpochRecord[];
  /** Child-Tuning D: the fraction of scored elements the mask kept. */
  readonly keptFraction?: number;
  /** Scheduled: each later phase's thaw with the epochs completed before it, and why training stopped early. */
  readonly transitions?: ReadonlyArray<{ readonly epoch: number; readonly depth: number }>;
  readonly stopReason?: string;
  /** How many test images were predicted as each class 0–9. */
  readonly predictedClasses?: readonly number[];
  /** Optimizer steps the run took (resumed epochs included). */
  readonly steps?: number;
  /** Resumed: epochs before the resume whose time was not recorded (`seconds` leaves them out). */
  readonly untimedEpochs?: number;
}

/** Pre-training sees digits 0–4 (less a fixed evaluation set); fine-tuning's held-out, validation and labelled sets are drawn from 5–9 without overlap. */
export const PRETRAIN_EVAL = 500;

/** How many images each part of the job can draw on: what a configuration's sizes are checked against. */
export interface DataSizes {
  /** Images of 0–4 pre-training trains on. */
  readonly pretrain: number;
  /** Images of 5–9 that held-out, validation and labelled sets share. */
  readonly finetune: number;
}

export const mnistDataSizes = (): DataSizes => ({ pretrain: countDigits(PRETRAIN_DIGITS) - PRETRAIN_EVAL, finetune: countDigits(FINETUNE_DIGITS) });

const examples = (d: { images: Float32Array; labels: Int32Array; count: number }): Examples => ({ inputs: d.images, labels: d.labels, count: d.count });

const pretrainTransform = (cfg: JobConfig) => o.adamw(cfg.lr, { weightDecay: 0.01 });

/** The pre-trained cache's key: the settings, the generator and the training step's graph (a change to the model's or the optimizer's formula is a change of weights). */
export const pretrainKey = (cfg: Pick<JobConfig, 'hidden' | 'pretrainEpochs' | 'batchSize' | 'lr'>, model: nn.Layer, transform: o.Transform<any>): string => {
  const step = buildStep(transform, nn.paramShapes(model), classifierObjective(model, cfg.batchSize, [IMAGE_SIZE]));
  if (E.isLeft(step)) throw new Error(`pre-training step: ${step.left.message}`);
  const formula = createHash('sha256').update(JSON.stringify(toIR(step.right.step))).digest('hex');
  return createHash('sha256').update(JSON.stringify({ v: 2, generator: GENERATOR_VERSION, formula, hidden: cfg.hidden, epochs: cfg.pretrainEpochs, batch: cfg.batchSize, lr: cfg.lr })).digest('hex').slice(0, 12);
};

/** Pre-trained weights: loaded from the cache when its checkpoint matches this config, else trained and saved. */
// the generator draws the initial weights and the shuffles: weights cached under another version are other numbers
const pretrained = async (rt: Runtime, cfg: JobConfig, model: nn.Layer, cacheDir: string, log: (s: string) => void): Promise<Values> => {
  const shapes = nn.paramShapes(model);
  const transform = pretrainTransform(cfg);
  const key = pretrainKey(cfg, model, transform);
  const file = join(cacheDir, `pretrained-mlp-${key}.safetensors`);
  if (existsSync(file)) {
    const loaded = loadCheckpoint(file, { params: shapes, optState: {} });
    if (E.isRight(loaded)) {
      log(`pre-trained weights: ${file} (cached)`);
      return loaded.right.params;
    }
    log(`pre-trained cache ${file} is unusable, rebuilding: ${loaded.left.map((p) => p.message).join('; ')}`);
  }
  const digits = loadDigits(PRETRAIN_DIGITS);
  const order = permutation(digits.count, 0, 1);
  const train = examples(take(digits, order.slice(PRETRAIN_EVAL)));
  const evalSet = examples(take(digits, order.slice(0, PRETRAIN_EVAL)));
  const t0 = performance.now();
  const res = await fit(rt, { model, transform, features: [IMAGE_SIZE], epochs: cfg.pretrainEpochs, batchSize: cfg.batchSize, stepsPerCall: cfg.stepsPerCall, seed: 0, progress: 'pre-train' }, nn.initParams(model, 0), train, evalSet);
  const last = res.records[res.records.length - 1];
  log(`pre-trained on digits 0-4 (${train.count} images): eval accuracy ${(last.evalAccuracy * 100).toFixed(1)}% in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  mkdirSync(cacheDir, { recursive: true });
  const saved = saveCheckpoint(file, { params: res.params, optState: {}, meta: { step: res.state.step, epoch: cfg.pretrainEpochs, phaseDepth: 0, phaseProgress: null, generator: { seed: 0, step: res.state.step }, config: key }, shapes: { params: shapes } });
  if (E.isLeft(saved)) throw new Error(saved.left.map((p) => p.message).join('; '));
  return res.params;
};

/** The scheduled method's phases: the head alone until epoch `headEpochs` (or early stopping), then the rest. */
export const scheduledMachine = (cfg: JobConfig, model: nn.Layer): PhaseMachineConfig => {
  const names = Object.keys(nn.paramShapes(model));
  const head = names.filter((n) => n.startsWith('layers.1.'));
  return {
    phases: [{ params: head, maxTransitionEpoch: cfg.headEpochs }, { params: names.filter((n) => !head.includes(n)), maxTransitionEpoch: -1, lr: cfg.lr }],
    maxDepth: -1, epochTransitionsOnly: false, restoreBest: true, baseMaxLr: cfg.lr,
    earlyStopping: { mode: 'min', patience: 2, minDelta: 0 }, maxEpochs: cfg.finetuneEpochs,
  };
};

/** The scheduled method's optimizer of one parameter group (no clipping, as the scheduled job has always run). */
export const scheduledGroupTransform = (cfg: JobConfig) => (lr: number | undefined, decay: boolean) => o.childTuningAdamW(lr ?? cfg.lr, { weightDecay: decay ? 0.01 : 0 });

/**
 * The reference trainer's conventions (child-tuning.md): global-norm clipping to 1.0 before the
 * optimizer sees the gradient, and linear warmup over 10% of the steps, then linear decay to 0.
 */
const transformFor = (method: Method, cfg: JobConfig, seed: number, totalSteps: number, masks?: Readonly<Record<string, ArrayLike<number>>>) =>
  o.chain(o.clipByGlobalNorm(1), elementwiseTransformFor(method, cfg, seed, totalSteps, masks));

/** The method's optimizer after clipping: elementwise, so a sharded run applies it to each rank's pieces (and clips across ranks). */
export const elementwiseTransformFor = (method: Method, cfg: JobConfig, seed: number, totalSteps: number, masks?: Readonly<Record<string, ArrayLike<number>>>) => {
  const lr = o.linearWarmupDecay({ peak: cfg.lr, warmupRatio: 0.1, total: totalSteps });
  return method === 'child-tuning-F' ? o.childTuningAdamW(lr, { mode: 'F', reserveP: cfg.reserveP, seed, weightDecay: 0.01 })
    : method === 'child-tuning-D' ? o.childTuningAdamW(lr, { mode: 'D', masks: masks!, reserveP: cfg.reserveP, weightDecay: 0.01 })
    : o.childTuningAdamW(lr, { weightDecay: 0.01 });
};

/**
 * Each setting of the job, and whether a run's numbers depend on it: the type makes every new setting take a side.
 * Where the run goes (`out`) and the backend are not job settings: every backend computes the same numbers (the
 * design's promise, tested bit for bit), and the resume runs on the backend config.json records anyway.
 */
const CHANGES_NUMBERS: { readonly [K in keyof Required<JobConfig>]: boolean } = {
  hidden: true, pretrainEpochs: true, finetuneEpochs: true, labelled: true, validation: true, heldOut: true, batchSize: true, lr: true, reserveP: true, headEpochs: true,
  // a run's own seed and method are keyed on their own; which others run beside it does not change it
  seeds: false, methods: false,
  stepsPerCall: false,
};

/**
 * A run's checkpoints record a hash of what its numbers depend on, and nothing else (a resume can reproduce exactly
 * that from config.json, whatever else the folder records): a resume under other settings is refused.
 */
export const runKey = (cfg: JobConfig, method: Method, seed: number): string =>
  settingsRunKey(Object.fromEntries(Object.entries(CHANGES_NUMBERS).filter(([, counts]) => counts).map(([k]) => [k, cfg[k as keyof JobConfig]])), method, seed);

const finetune = async (rt: Runtime, cfg: JobConfig, model: nn.Layer, base: Values, method: Method, seed: number, data: { train: Examples; validation: Examples; test: Examples }, io: RunIo = {}): Promise<RunResult> => {
  const { train, validation, test } = data;
  const t0 = performance.now();
  const key = runKey(cfg, method, seed);
  const shapes = nn.paramShapes(model);
  const name = `${method}-seed${seed}`;
  const common = { model, features: [IMAGE_SIZE], batchSize: cfg.batchSize, stepsPerCall: cfg.stepsPerCall, seed, progress: `${method} seed ${seed}` };
  let keptFraction: number | undefined;
  let params = base;
  let kept: ReturnType<typeof keptEpochs>;
  let extra: Pick<RunResult, 'transitions' | 'stopReason'> = {};
  if (method === 'scheduled') {
    const { checkpointed, ...point } = scheduledRunCheckpoint(io, name, shapes, key);
    kept = keptEpochs(io, checkpointed);
    const res = await scheduledFit(rt, {
      ...common, ...point,
      machine: scheduledMachine(cfg, model),
      groupTransform: scheduledGroupTransform(cfg),
      onEpoch: (r) => void io.onEpoch?.(r),
    }, base, train, validation);
    params = res.params;
    kept.records.push(...res.records);
    extra = { transitions: res.transitions, ...(res.stopReason ? { stopReason: res.stopReason } : {}) };
  } else {
    let masks: Record<string, Uint8Array> | undefined;
    if (method === 'child-tuning-D') {
      // every weight matrix is scored: the MLP's names have no 'layer' in them, unlike BERT's
      const selected = Object.keys(shapes).filter((n) => n.endsWith('.weight'));
      const scores = await fisherScores(rt, model, base, train, { selected, batchSize: cfg.batchSize, seed, maxGradNorm: 1, features: [IMAGE_SIZE] });
      const m = fisherMask(scores, cfg.reserveP);
      masks = m.masks;
      keptFraction = m.keptFraction;
    }
    const totalSteps = cfg.finetuneEpochs * Math.floor(train.count / cfg.batchSize);
    const { start, checkpointed, ...point } = fitRunCheckpoint(io, name, shapes, key, base);
    kept = keptEpochs(io, checkpointed);
    const res = await fit(rt, {
      ...common, ...point,
      transform: transformFor(method, cfg, seed, totalSteps, masks), epochs: cfg.finetuneEpochs,
      onEpoch: (r) => void io.onEpoch?.(r),
    }, start, train, validation);
    params = res.params;
    kept.records.push(...res.records);
  }
  // a resumed run keeps the epochs its checkpoint covers; its time is this attempt's plus theirs
  const { records, secondsBefore, untimedEpochs } = kept;
  const tester = evaluator(rt, model, [IMAGE_SIZE], test, undefined, true);
  const { accuracy, predictions } = await tester.run(params);
  tester.destroy();
  const predictedClasses = classCounts(predictions!, 10);
  const steps = records.length * Math.floor(train.count / cfg.batchSize);
  return { method, seed, testAccuracy: accuracy, seconds: secondsBefore + (performance.now() - t0) / 1000, records, ...extra, ...(untimedEpochs > 0 ? { untimedEpochs } : {}), ...(keptFraction === undefined ? {} : { keptFraction }), predictedClasses, steps };
};

/** The model and its pre-trained weights (from the cache when it matches the config). */
export const pretrainedMlp = async (rt: Runtime, cfg: JobConfig, cacheDir: string, log: (s: string) => void) => {
  const model = nn.mlpClassifier([IMAGE_SIZE, cfg.hidden, 10]);
  return { model, base: await pretrained(rt, cfg, model, cacheDir, log) };
};

/** Held-out test images of 5–9, and for each seed its own labelled set from the rest (sizes checked by decodeFinetuneConfig). */
export const finetuneSplits = (cfg: JobConfig) => {
  const digits = loadDigits(FINETUNE_DIGITS);
  const order = permutation(digits.count, 0, 2);
  const pool = order.slice(cfg.heldOut);
  const validation = examples(take(digits, pool.slice(0, cfg.validation)));
  const rest = pool.slice(cfg.validation);
  return {
    test: examples(take(digits, order.slice(0, cfg.heldOut))),
    validation,
    trainFor: (seed: number) => examples(take(digits, Array.from(permutation(rest.length, seed, 3).slice(0, cfg.labelled), (i) => rest[i]))),
  };
};

export interface JobOutputs extends JobRunOutputs<Method, RunResult> {
  /** Called with each finished run. */
  readonly onRun?: (r: RunResult) => void;
}

/** What the run line adds after its accuracy: the mask's size, or when the scheduled method thawed and why it stopped. */
export const runNote = (r: Pick<RunResult, 'keptFraction' | 'transitions' | 'stopReason'>): string => {
  if (r.keptFraction !== undefined) return ` (mask kept ${(r.keptFraction * 100).toFixed(1)}%)`;
  if (!r.transitions) return '';
  const thawed = r.transitions.length ? `thawed the rest ${r.transitions.map((t) => afterEpochs(t.epoch)).join(', ')}` : 'the rest never thawed: the head trained alone';
  return ` (${thawed}${r.stopReason ? `; stopped: ${r.stopReason}` : ''})`;
};

/** Why a run scored as it did, when its test predictions are mostly still the pre-training digits. */
export const staleRunNote = (r: Pick<RunResult, 'predictedClasses' | 'steps'>): string | undefined =>
  r.predictedClasses && r.steps !== undefined ? staleHeadNote(r.predictedClasses, { pretrained: PRETRAIN_DIGITS, tested: FINETUNE_DIGITS, steps: r.steps }) : undefined;

/** The stale-head notes of every run that has one, named by method and seed (for results.md). */
export const staleRunNotes = (results: readonly RunResult[]): string[] =>
  results.flatMap((r) => [staleRunNote(r)].filter((why): why is string => why !== undefined).map((why) => `${r.method} seed ${r.seed}: ${why}`));

/** The whole comparison; `log` gets a line per finished run. */
export const runMnistJob = async (rt: Runtime, cfg: JobConfig, cacheDir: string, log: (s: string) => void, outputs: JobOutputs = {}): Promise<RunResult[]> => {
  const { model, base } = await pretrainedMlp(rt, cfg, cacheDir, log);
  const { test, validation, trainFor } = finetuneSplits(cfg);
  const results: RunResult[] = [];
  for (const seed of cfg.seeds) {
    const train = trainFor(seed);
    for (const method of cfg.methods ?? METHODS) {
      const before = finishedBefore(outputs, method, seed, log);
      if (before) {
        results.push(before);
        continue;
      }
      const r = await finetune(rt, cfg, model, base, method, seed, { train, validation, test }, runIo(outputs, method, seed, log));
      results.push(r);
      outputs.onRun?.(r);
      log(`${method.padEnd(15)} seed ${seed}: test accuracy ${(r.testAccuracy * 100).toFixed(1)}% in ${r.seconds.toFixed(1)} s${runNote(r)}`);
      const why = staleRunNote(r);
      if (why) log(`${' '.repeat(16)}${why}`);
    }
  }
  return results;
};
