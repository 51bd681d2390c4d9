// The training loop: seeded shuffling and batching, one compiled step (forward, backward, optimizer)
// per batch, evaluation every epoch. Parameters and optimizer state are values passed along.
import * as E from 'fp-ts/lib/Either.js';
import type { Shape } from '../dsl/index.js';
import { compile } from '../compiler/index.js';
import type { Runtime } from '../runtime/index.js';
import type { Layer } from '../nn/index.js';
import { paramShapes } from '../nn/index.js';
import type { Transform } from '../optim/index.js';
import { randomKey } from '../dsl/index.js';
import type { OptimizerRunner, OptimizerState, Values } from './optimizer-runner.js';
import { createOptimizerRunner } from './optimizer-runner.js';
import type { ResidentSteps } from './resident-steps.js';
import type { ModelInput } from './classifier-objective.js';
import { classifierObjective, evaluationProgram, featureRows } from './classifier-objective.js';
import { batches, permutation } from './data/shuffle.js';
import { cropRows, croppedFeatures, lengthGroupedBatches, paddedLength } from './data/length-buckets.js';
import { progressReporter } from './report/progress.js';
import type { FitCheckpointing, FitProgress, FitResume } from './fit-checkpoint.js';
import { earlyStoppingStart, earlyStoppingStep } from '../optim/phases/index.js';
import { saveEpochCheckpoint, stateMismatches } from './fit-checkpoint.js';
import { checkpointShapes, formatCheckpointProblem } from './checkpoint/index.js';

export interface Examples {
  /** Row-major features, `count` rows of `features` elements. */
  readonly inputs: Float32Array;
  readonly labels: Int32Array;
  readonly count: number;
  /**
   * Token rows ([3, seq]: ids, mask, types): each example's real length. Batches then group examples of similar
   * length and are cut to their longest row (rounded up to `padMultiple`), so padding past it costs nothing.
   */
  readonly lengths?: Int32Array;
}

export interface EpochRecord {
  /** The epoch's number, counted from 1: epochs completed at its evaluation (a checkpoint's `epoch` after it). */
  readonly epoch: number;
  readonly trainLoss: number;
  readonly trainAccuracy: number;
  readonly evalLoss: number;
  readonly evalAccuracy: number;
  readonly seconds: number;
}

export interface FitConfig {
  /** Any classifier: logits [batch, classes] from a batch (see `input` for what it is given). */
  readonly model: Layer<any>;
  /** How batch rows reach the model: f32 features (default) or token ids (`tokenRows`). */
  readonly input?: ModelInput;
  readonly transform: Transform<any>;
  /** Trained parameters; the rest of the model's parameters stay frozen. Default: all. */
  readonly trainable?: readonly string[];
  readonly features: Shape;
  /** Examples with `lengths`: batches are padded to a multiple of this; default 8. */
  readonly padMultiple?: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly seed: number;
  /** Training steps per runtime call; default 1. More amortises the per-call copies; the numbers do not change. */
  readonly stepsPerCall?: number;
  /** Sanity check: every epoch trains `stepsPerEpoch` steps on the same first batch. */
  readonly overfitBatch?: { readonly stepsPerEpoch: number };
  /** Label of a progress bar drawn on a terminal (nothing is drawn when stdout is not one). */
  readonly progress?: string;
  /**
   * Called after each epoch's evaluation, before its checkpoint is written (so a log it keeps never
   * lacks an epoch a checkpoint has); return false to stop after the checkpoint, as an interrupted
   * run would: a resume goes on. (`earlyStopping` is the stop that a resume keeps.)
   */
  readonly onEpoch?: (record: EpochRecord, params: Values) => boolean | void;
  /** Write a checkpoint after every epoch (atomically: the previous one stays until the new one is whole). */
  readonly checkpoint?: FitCheckpointing;
  /** Continue a run from its checkpoint (see loadResumePoint): the same numbers as if it had not stopped. */
  readonly resume?: FitResume;
  /** Stop after `patience` epochs whose validation loss (or accuracy) did not improve by more than `minDelta`. */
  readonly earlyStopping?: FitEarlyStopping;
}

export interface FitEarlyStopping {
  /** Default 'loss' (lower is better); 'accuracy' (higher is better). */
  readonly monitor?: 'loss' | 'accuracy';
  readonly patience: number;
  /** Default 0. */
  readonly minDelta?: number;
}

export interface FitResult {
  readonly params: Values;
  readonly records: EpochRecord[];
  readonly state: OptimizerState;
  /** Why training ended before `epochs`, when it did. */
  readonly stopReason?: string;
}

const orThrow = <A>(e: E.Either<Error, A>): A => {
  if (E.isLeft(e)) throw e.left;
  return e.right;
};

/** The rows `idx` of a set, as one batch (features and labels). */
export const rows = (x: Examples, idx: ArrayLike<number>, width: number) => {
  const inputs = new Float32Array(idx.length * width);
  const labels = new Int32Array(idx.length);
  for (let k = 0; k < idx.length; k++) {
    inputs.set(x.inputs.subarray(idx[k] * width, (idx[k] + 1) * width), k * width);
    labels[k] = x.labels[idx[k]];
  }
  return { x: inputs, y: labels };
};

/** The rows an overfit run (`overfitBatch`) trains on at every step: the first batch of epoch 0's shuffle. */
const overfitRows = (count: number, seed: number, batchSize: number) => batches(permutation(count, seed, 0), batchSize, true)[0];

/** The examples of the batch an overfit run trains on. */
export const overfitBatchOf = (train: Examples, seed: number, batchSize: number, width: number): Examples => {
  const { x, y } = rows(train, overfitRows(train.count, seed, batchSize), width);
  return { inputs: x, labels: y, count: y.length };
};

/** Evaluation chunks of token rows: this many examples, sorted by length, each chunk cut to its longest. */
export const EVAL_CHUNK = 64;

/** Loss and accuracy of full parameters on a fixed set, one compiled forward pass; with `predictions`, each example's predicted class too. */
export const evaluator = (rt: Runtime, model: Layer<any>, features: Shape, set: Examples, input: ModelInput = featureRows, predictions = false, padMultiple = 8) => {
  if (set.lengths) return lengthEvaluator(rt, model, features, { ...set, lengths: set.lengths }, input, predictions, padMultiple);
  const exe = rt.load(compile(orThrow(evaluationProgram(model, paramShapes(model), set.count, features, input, predictions))));
  return {
    run: async (params: Values): Promise<{ loss: number; accuracy: number; predictions?: Int32Array }> => {
      const ev = orThrow(await exe.run({ ...Object.fromEntries(Object.entries(params).map(([k, v]) => [`p:${k}`, v])), x: set.inputs, y: set.labels }));
      return { loss: ev.loss[0], accuracy: ev.accuracy[0], ...(predictions ? { predictions: Int32Array.from(ev.predictions) } : {}) };
    },
    destroy: () => exe.destroy(),
  };
};

/**
 * The evaluator of token rows with lengths: chunks of EVAL_CHUNK examples of similar length, each cut to its longest
 * row; a short last chunk is filled with label -1 rows, which loss and accuracy do not count.
 */
const lengthEvaluator = (rt: Runtime, model: Layer<any>, features: Shape, set: Examples & { lengths: Int32Array }, input: ModelInput, predictions: boolean, padMultiple: number) => {
  const width = features.reduce((a, b) => a * b, 1);
  const full = features[features.length - 1];
  const order = Array.from({ length: set.count }, (_, i) => i).sort((a, b) => set.lengths[a] - set.lengths[b] || a - b);
  const chunk = Math.min(EVAL_CHUNK, set.count);
  const exes = new Map<number, ReturnType<Runtime['load']>>();
  const exeFor = (length: number) => exes.get(length) ?? exes.set(length, rt.load(compile(orThrow(evaluationProgram(model, paramShapes(model), chunk, croppedFeatures(features, length), input, predictions))))).get(length)!;
  return {
    run: async (params: Values): Promise<{ loss: number; accuracy: number; predictions?: Int32Array }> => {
      const feeds = Object.fromEntries(Object.entries(params).map(([k, v]) => [`p:${k}`, v]));
      let loss = 0;
      let correct = 0;
      const predicted = new Int32Array(set.count);
      for (let at = 0; at < set.count; at += chunk) {
        const idx = order.slice(at, at + chunk);
        const length = paddedLength(set.lengths, idx, padMultiple, full);
        const { x, y } = rows(set, idx, width);
        const filled = new Float32Array(chunk * width);
        filled.set(x);
        // filler rows: padding ids of the first row's kind are never counted (label -1)
        for (let k = idx.length; k < chunk; k++) filled.set(x.subarray(0, width), k * width);
        const labels = Float32Array.from({ length: chunk }, (_, k) => (k < idx.length ? y[k] : -1));
        const ev = orThrow(await exeFor(length).run({ ...feeds, x: cropRows(filled, chunk, features, length), y: labels }));
        loss += ev.loss[0] * idx.length;
        correct += ev.accuracy[0] * idx.length;
        if (predictions) idx.forEach((ex, k) => (predicted[ex] = ev.predictions[k]));
      }
      return { loss: loss / set.count, accuracy: correct / set.count, ...(predictions ? { predictions: predicted } : {}) };
    },
    destroy: () => exes.forEach((e) => e.destroy()),
  };
};

/** A runner for each row shape a batch is cut to (token rows with lengths), compiled when first needed. */
export type RunnerFor = (features: Shape) => OptimizerRunner;

export interface EpochOptions {
  readonly batchSize: number;
  readonly seed: number;
  readonly width: number;
  /** Token rows with lengths: the rows' full shape, and the multiple batches are padded to (default 8). */
  readonly features?: Shape;
  readonly padMultiple?: number;
  readonly overfitBatch?: FitConfig['overfitBatch'];
  /** Training steps per runtime call (one pipeline over that many batches); the numbers do not change. */
  readonly stepsPerCall?: number;
  /** Each batch's `x` and `y` from its rows cut to `length` (default: the rows and their labels); MLM masks here. */
  readonly batchFeeds?: (rows: Int32Array, length: number, epoch: number) => { readonly x: Float32Array; readonly y: Float32Array };
  /** After each step: the epoch's number (from 1) and the step's loss. */
  readonly onStep?: (epoch: number, loss: number) => void;
}

/** One epoch of steps over seeded batches (`epoch`: epochs completed before it, which keys the shuffle); the mean training loss and accuracy of its steps. */
export const trainEpoch = async (runner: OptimizerRunner | RunnerFor, s0: OptimizerState, train: Examples, epoch: number, o: EpochOptions) => {
  const lengths = !o.overfitBatch && o.features ? train.lengths : undefined;
  const bs = o.overfitBatch
    ? Array.from({ length: o.overfitBatch.stepsPerEpoch }, () => overfitRows(train.count, o.seed, o.batchSize))
    : lengths ? lengthGroupedBatches(lengths, o.batchSize, o.seed, epoch) : batches(permutation(train.count, o.seed, epoch), o.batchSize, true);
  const full = o.features?.[o.features.length - 1] ?? 0;
  const lengthOf = (b: Int32Array) => (lengths ? paddedLength(lengths, b, o.padMultiple ?? 8, full) : full);
  const perCall = Math.max(1, Math.floor(o.stepsPerCall ?? 1));
  if (lengths && typeof runner !== 'function') throw new Error('trainEpoch: examples with lengths are cut per batch, so they need a runner per padded length (a RunnerFor), not one compiled step');
  // without lengths every call runs one compiled step, resolved once: on wasm its state stays in the runtime's memory for the whole epoch; per-length steps (and other backends) carry it through each call
  const single = lengths ? undefined : typeof runner === 'function' ? runner(o.features!) : runner;
  const stepper = single?.resident ? residentStepper(single.resident, s0) : hostStepper(s0);
  let loss = 0;
  let acc = 0;
  for (let first = 0; first < bs.length;) {
    // one call runs consecutive batches of one padded length
    const length = lengthOf(bs[first]);
    let end = first + 1;
    while (end < bs.length && end - first < perCall && lengthOf(bs[end]) === length) end++;
    const chunk = bs.slice(first, end);
    first = end;
    const step = single ?? (runner as RunnerFor)(croppedFeatures(o.features!, length));
    const done = stepper.step();
    // labels and keys are integers below 2^24: exact as the f32 values every buffer holds
    const inputs = chunk.map((b, i) => {
      const key = Float32Array.of(randomKey(o.seed, (done + 1 + i) % 2 ** 24));
      if (o.batchFeeds) return { ...o.batchFeeds(b, length, epoch), key };
      const { x, y } = rows(train, b, o.width);
      return { x: lengths ? cropRows(x, b.length, o.features!, length) : x, y: Float32Array.from(y), key };
    });
    const metrics = await stepper.run(step, inputs);
    // a backend that computes synchronously (wasm) never leaves the microtask queue: give signals (Ctrl-C) a turn
    await new Promise<void>((resolve) => setImmediate(resolve));
    for (let i = 0; i < inputs.length; i++) {
      loss += metrics.loss[i];
      acc += metrics.accuracy[i];
      o.onStep?.(epoch + 1, metrics.loss[i]);
    }
  }
  return { state: stepper.state(), loss: loss / bs.length, accuracy: acc / bs.length };
};

/** Where an epoch's state lives between its calls, and how a call advances it. */
interface Stepper {
  /** Steps completed. */
  step(): number;
  /** One call of `inputs.length` steps of `runner`; every step's metrics. */
  run(runner: OptimizerRunner, inputs: readonly Values[]): Promise<Readonly<Record<string, Float32Array>>>;
  /** The state on the host. */
  state(): OptimizerState;
}

/** The state travels with each call (backends without resident tensors). */
const hostStepper = (s0: OptimizerState): Stepper => {
  let s = s0;
  return {
    step: () => s.step,
    run: async (runner, inputs) => {
      s = orThrow(await (inputs.length === 1 ? runner.step(s, inputs[0]) : runner.steps(s, inputs, inputs.length)));
      return s.stepMetrics!;
    },
    state: () => s,
  };
};

/** The state stays resident: each call donates it and gets the next; it is read back once, at the end. */
const residentStepper = (steps: ResidentSteps, s0: OptimizerState): Stepper => {
  let held = steps.hold(s0);
  let last: Record<string, Float32Array> | undefined;
  let read: OptimizerState | undefined;
  return {
    step: () => held.step,
    // the runner that owns `steps`
    run: async (_runner, inputs) => {
      const r = orThrow(await steps.steps(held, inputs));
      held = r.held;
      last = r.stepMetrics;
      return r.stepMetrics;
    },
    state: () => (read ??= held.step === s0.step ? s0 : steps.read(held, last)),
  };
};

/** A runner training `trainable` (the rest frozen at their values in `params`) on the classification objective. */
export const classifierRunner = (rt: Runtime, model: Layer<any>, transform: Transform<any>, trainable: readonly string[], params: Values, batchSize: number, features: Shape, input: ModelInput = featureRows) => {
  const shapes = paramShapes(model);
  const frozenNames = Object.keys(shapes).filter((n) => !trainable.includes(n));
  const objective = classifierObjective(model, batchSize, features, Object.fromEntries(frozenNames.map((n) => [n, shapes[n]])), input);
  return orThrow(createOptimizerRunner(rt, transform, Object.fromEntries(trainable.map((n) => [n, shapes[n]])), objective, Object.fromEntries(frozenNames.map((n) => [n, params[n]]))));
};

/** A runner for each row shape, made when first asked for; `full` is the one for `features`. */
export const runnerFamily = (make: RunnerFor, features: Shape) => {
  const made = new Map<string, OptimizerRunner>();
  const at: RunnerFor = (f) => {
    const id = f.join('x');
    return made.get(id) ?? made.set(id, make(f)).get(id)!;
  };
  return { at, full: at(features), destroy: () => made.forEach((r) => r.destroy()) };
};

/** classifierRunner for each row shape (token rows cut per batch). */
export const classifierRunners = (rt: Runtime, model: Layer<any>, transform: Transform<any>, trainable: readonly string[], params: Values, batchSize: number, features: Shape, input: ModelInput = featureRows) =>
  runnerFamily((f) => classifierRunner(rt, model, transform, trainable, params, batchSize, f, input), features);

/** Train `config.model` from `params`; returns the final parameters and one record per epoch. */
export const fit = async (rt: Runtime, config: FitConfig, params: Values, train: Examples, evalSet: Examples): Promise<FitResult> => {
  const trainable = config.trainable ?? Object.keys(paramShapes(config.model));
  const width = config.features.reduce((a, b) => a * b, 1);
  const runners = classifierRunners(rt, config.model, config.transform, trainable, params, config.batchSize, config.features, config.input);
  const runner = runners.full;
  const evaluate = evaluator(rt, config.model, config.features, evalSet, config.input, false, config.padMultiple);
  let s = config.resume?.state ?? orThrow(await runner.init(Object.fromEntries(trainable.map((n) => [n, params[n]]))));
  const records: EpochRecord[] = [];
  const steps = config.overfitBatch?.stepsPerEpoch ?? Math.floor(train.count / config.batchSize);
  const firstEpoch = config.resume?.epoch ?? 0;
  const bar = config.progress && process.stdout.isTTY ? progressReporter({ total: (config.epochs - firstEpoch) * steps, label: config.progress, epochs: config.epochs }) : undefined;
  const shapes = paramShapes(config.model);
  const optShapes = checkpointShapes(runner.programs).optState;

  const es = config.earlyStopping;
  const monitor = es?.monitor ?? 'loss';
  const esConfig = es && { mode: monitor === 'loss' ? ('min' as const) : ('max' as const), patience: es.patience, minDelta: es.minDelta ?? 0 };
  let progress: FitProgress = config.resume?.progress ?? { earlyStopping: earlyStoppingStart };
  try {
    if (config.resume) {
      const bad = stateMismatches(optShapes, config.resume.state.state);
      if (bad.length) throw new Error(`cannot resume: the checkpoint's optimizer state does not fit this optimizer:\n  ${bad.join('\n  ')}`);
    }
    for (let epoch = firstEpoch; epoch < config.epochs && progress.stopped === undefined; epoch++) {
      const t0 = performance.now();
      const ep = await trainEpoch(runners.at, s, train, epoch, { batchSize: config.batchSize, seed: config.seed, width, features: config.features, padMultiple: config.padMultiple, overfitBatch: config.overfitBatch, stepsPerCall: config.stepsPerCall, onStep: (e, loss) => bar?.tick({ epoch: e, loss }) });
      s = ep.state;
      const all = { ...params, ...s.params };
      const ev = await evaluate.run(all);
      const record = { epoch: epoch + 1, trainLoss: ep.loss, trainAccuracy: ep.accuracy, evalLoss: ev.loss, evalAccuracy: ev.accuracy, seconds: (performance.now() - t0) / 1000 };
      records.push(record);
      if (esConfig) {
        const next = earlyStoppingStep(esConfig, progress.earlyStopping, monitor === 'loss' ? ev.loss : ev.accuracy);
        const stopped = next.stop ? `early stopping: validation ${monitor} did not improve for ${next.state.wait} epoch(s)` : undefined;
        progress = { earlyStopping: next.state, ...(stopped ? { stopped } : {}) };
      }
      const interrupt = config.onEpoch?.(record, all) === false;
      if (config.checkpoint) {
        const saved = saveEpochCheckpoint(config.checkpoint, { state: s, params, shapes, optShapes, epoch: epoch + 1, seed: config.seed, progress });
        if (E.isLeft(saved)) throw new Error(`checkpoint not written:\n  ${saved.left.map(formatCheckpointProblem).join('\n  ')}`);
      }
      if (interrupt) break;
    }
    return { params: { ...params, ...s.params }, records, state: s, ...(progress.stopped ? { stopReason: progress.stopped } : {}) };
  } finally {
    bar?.done();
    runners.destroy();
    evaluate.destroy();
  }
};
