// The main job: pre-train an MLP on digits 0–4 (cached as a checkpoint), then fine-tune on a small
// labelled set of 5–9 with four methods over several seeds, evaluated on held-out 5–9 images.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import type { Runtime } from '../runtime/index.js';
import * as nn from '../nn/index.js';
import * as o from '../optim/index.js';
import { fisherMask } from '../optim/index.js';
import { initial, step as phaseStep } from '../optim/phases/index.js';
import type { EpochRecord, Examples } from './fit.js';
import { fit } from './fit.js';
import type { Values } from './optimizer-runner.js';
import { fisherScores } from './fisher-pass.js';
import { IMAGE_SIZE, loadDigits, take } from './data/mnist.js';
import { permutation } from './data/shuffle.js';
import { loadCheckpoint, saveCheckpoint } from './checkpoint/index.js';

export interface JobConfig {
  readonly hidden: number;
  readonly pretrainEpochs: number;
  readonly finetuneEpochs: number;
  readonly labelled: number;
  readonly heldOut: number;
  readonly batchSize: number;
  readonly lr: number;
  readonly reserveP: number;
  readonly seeds: readonly number[];
  /** Epochs the scheduled method trains the head alone before thawing the rest. */
  readonly headEpochs: number;
  /** Which methods to compare; default all four. */
  readonly methods?: readonly Method[];
}

export const DEFAULT_JOB: JobConfig = { hidden: 128, pretrainEpochs: 3, finetuneEpochs: 10, labelled: 500, heldOut: 2000, batchSize: 50, lr: 1e-3, reserveP: 0.3, seeds: [1, 2, 3], headEpochs: 3 };

export type Method = 'full' | 'scheduled' | 'child-tuning-F' | 'child-tuning-D';
export const METHODS: readonly Method[] = ['full', 'scheduled', 'child-tuning-F', 'child-tuning-D'];

export interface RunResult {
  readonly method: Method;
  readonly seed: number;
  readonly testAccuracy: number;
  readonly seconds: number;
  readonly records: readonly EpochRecord[];
  /** Child-Tuning D: the fraction of scored elements the mask kept. */
  readonly keptFraction?: number;
}

const examples = (d: { images: Float32Array; labels: Int32Array; count: number }): Examples => ({ inputs: d.images, labels: d.labels, count: d.count });

/** Pre-trained weights: loaded from the cache when its checkpoint matches this config, else trained and saved. */
const pretrained = async (rt: Runtime, cfg: JobConfig, model: nn.Layer, cacheDir: string, log: (s: string) => void): Promise<Values> => {
  const key = createHash('sha256').update(JSON.stringify({ v: 1, hidden: cfg.hidden, epochs: cfg.pretrainEpochs, batch: cfg.batchSize, lr: cfg.lr })).digest('hex').slice(0, 12);
  const file = join(cacheDir, `pretrained-mlp-${key}.safetensors`);
  const shapes = nn.paramShapes(model);
  if (existsSync(file)) {
    const loaded = loadCheckpoint(file, { params: shapes, optState: {} });
    if (E.isRight(loaded)) {
      log(`pre-trained weights: ${file} (cached)`);
      return loaded.right.params;
    }
    log(`pre-trained cache ${file} is unusable, rebuilding: ${loaded.left.map((p) => p.message).join('; ')}`);
  }
  const digits = loadDigits([0, 1, 2, 3, 4]);
  const order = permutation(digits.count, 0, 1);
  const evalCount = 500;
  const train = examples(take(digits, order.slice(evalCount)));
  const evalSet = examples(take(digits, order.slice(0, evalCount)));
  const t0 = performance.now();
  const res = await fit(rt, { model, transform: o.adamw(cfg.lr, { weightDecay: 0.01 }), features: [IMAGE_SIZE], epochs: cfg.pretrainEpochs, batchSize: cfg.batchSize, seed: 0 }, nn.initParams(model, 0), train, evalSet);
  const last = res.records[res.records.length - 1];
  log(`pre-trained on digits 0-4 (${train.count} images): eval accuracy ${(last.evalAccuracy * 100).toFixed(1)}% in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  mkdirSync(cacheDir, { recursive: true });
  const saved = saveCheckpoint(file, { params: res.params, optState: {}, meta: { step: res.state.step, epoch: cfg.pretrainEpochs, phaseDepth: 0, phaseProgress: null, generator: { seed: 0, step: res.state.step }, config: key }, shapes: { params: shapes } });
  if (E.isLeft(saved)) throw new Error(saved.left.map((p) => p.message).join('; '));
  return res.params;
};

/** Epoch segments of the scheduled method: which parameters train from which epoch (the phase machine decides). */
const scheduledSegments = (cfg: JobConfig, model: nn.Layer): Array<{ from: number; trainable: string[] }> => {
  const names = nn.paramShapes(model);
  const head = Object.keys(names).filter((n) => n.startsWith('layers.1.'));
  const body = Object.keys(names).filter((n) => !head.includes(n));
  const config = { phases: [{ params: head, maxTransitionEpoch: cfg.headEpochs }, { params: body, maxTransitionEpoch: -1 }], maxDepth: -1, epochTransitionsOnly: true, restoreBest: false, baseMaxLr: cfg.lr, earlyStopping: { mode: 'min' as const, patience: 1, minDelta: 0 }, maxEpochs: cfg.finetuneEpochs };
  let s = initial(config);
  const thawed: string[] = [];
  const segments: Array<{ from: number; trainable: string[] }> = [];
  const take = (epoch: number, actions: typeof s.actions) => {
    const thaws = actions.filter((a) => a.kind === 'thaw');
    for (const a of thaws) if (a.kind === 'thaw') thawed.push(...a.params);
    if (thaws.length) segments.push({ from: epoch, trainable: [...thawed] });
  };
  take(0, s.actions);
  for (let epoch = 0; epoch < cfg.finetuneEpochs; epoch++) {
    s = phaseStep(s.state, { kind: 'epoch-start', epoch });
    take(epoch, s.actions);
  }
  return segments;
};

const transformFor = (method: Method, cfg: JobConfig, seed: number, masks?: Readonly<Record<string, Uint8Array>>) =>
  method === 'child-tuning-F' ? o.childTuningAdamW(cfg.lr, { mode: 'F', reserveP: cfg.reserveP, seed, weightDecay: 0.01 })
  : method === 'child-tuning-D' ? o.childTuningAdamW(cfg.lr, { mode: 'D', masks: masks!, reserveP: cfg.reserveP, weightDecay: 0.01 })
  : o.childTuningAdamW(cfg.lr, { weightDecay: 0.01 });

const finetune = async (rt: Runtime, cfg: JobConfig, model: nn.Layer, base: Values, method: Method, seed: number, train: Examples, test: Examples): Promise<RunResult> => {
  const t0 = performance.now();
  const common = { model, features: [IMAGE_SIZE], batchSize: cfg.batchSize, seed };
  let keptFraction: number | undefined;
  let params = base;
  const records: EpochRecord[] = [];
  if (method === 'scheduled') {
    const segs = scheduledSegments(cfg, model);
    for (const [i, seg] of segs.entries()) {
      const until = segs[i + 1]?.from ?? cfg.finetuneEpochs;
      const res = await fit(rt, { ...common, transform: transformFor('full', cfg, seed), trainable: seg.trainable, epochs: until - seg.from }, params, train, test);
      params = res.params;
      records.push(...res.records.map((r) => ({ ...r, epoch: r.epoch + seg.from })));
    }
  } else {
    let masks: Record<string, Uint8Array> | undefined;
    if (method === 'child-tuning-D') {
      // every weight matrix is scored: the MLP's names have no 'layer' in them, unlike BERT's
      const selected = Object.keys(nn.paramShapes(model)).filter((n) => n.endsWith('.weight'));
      const scores = await fisherScores(rt, model, base, train, { selected, batchSize: cfg.batchSize, seed, maxGradNorm: 1, features: [IMAGE_SIZE] });
      const m = fisherMask(scores, cfg.reserveP);
      masks = m.masks;
      keptFraction = m.keptFraction;
    }
    const res = await fit(rt, { ...common, transform: transformFor(method, cfg, seed, masks), epochs: cfg.finetuneEpochs }, base, train, test);
    params = res.params;
    records.push(...res.records);
  }
  const last = records[records.length - 1];
  return { method, seed, testAccuracy: last.evalAccuracy, seconds: (performance.now() - t0) / 1000, records, ...(keptFraction === undefined ? {} : { keptFraction }) };
};

/** The model and its pre-trained weights (from the cache when it matches the config). */
export const pretrainedMlp = async (rt: Runtime, cfg: JobConfig, cacheDir: string, log: (s: string) => void) => {
  const model = nn.mlpClassifier([IMAGE_SIZE, cfg.hidden, 10]);
  return { model, base: await pretrained(rt, cfg, model, cacheDir, log) };
};

/** Held-out test images of 5–9, and for each seed its own labelled set from the rest. */
export const finetuneSplits = (cfg: JobConfig) => {
  const digits = loadDigits([5, 6, 7, 8, 9]);
  const order = permutation(digits.count, 0, 2);
  const pool = order.slice(cfg.heldOut);
  return {
    test: examples(take(digits, order.slice(0, cfg.heldOut))),
    trainFor: (seed: number) => examples(take(digits, Array.from(permutation(pool.length, seed, 3).slice(0, cfg.labelled), (i) => pool[i]))),
  };
};

/** The whole comparison; `log` gets a line per finished run. */
export const runMnistJob = async (rt: Runtime, cfg: JobConfig, cacheDir: string, log: (s: string) => void, onRun?: (r: RunResult) => void): Promise<RunResult[]> => {
  const { model, base } = await pretrainedMlp(rt, cfg, cacheDir, log);
  const { test, trainFor } = finetuneSplits(cfg);
  const results: RunResult[] = [];
  for (const seed of cfg.seeds) {
    const train = trainFor(seed);
    for (const method of cfg.methods ?? METHODS) {
      const r = await finetune(rt, cfg, model, base, method, seed, train, test);
      results.push(r);
      onRun?.(r);
      log(`${method.padEnd(15)} seed ${seed}: test accuracy ${(r.testAccuracy * 100).toFixed(1)}% in ${r.seconds.toFixed(1)} s${r.keptFraction === undefined ? '' : ` (mask kept ${(r.keptFraction * 100).toFixed(1)}%)`}`);
    }
  }
  return results;
};
