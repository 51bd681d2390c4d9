// The text job: a small BERT pre-trained on Brown (cached as a Hugging Face folder), fine-tuned to tell spam from
// ham on SpamAssassin mail from a small labelled set with four methods over several seeds, tested on held-out
// mail (hard ham included).
import * as nn from '../../nn/index.js';
import * as o from '../../optim/index.js';
import { fisherMask } from '../../optim/index.js';
import type { PhaseMachineConfig, Schedule } from '../../optim/phases/index.js';
import { generateLayerSchedule, generateSchedule } from '../../optim/phases/index.js';
import type { Runtime } from '../../runtime/index.js';
import type { EpochRecord, Examples } from '../fit.js';
import { evaluator, fit } from '../fit.js';
import { scheduledFit } from '../scheduled-fit.js';
import { fisherScores } from '../fisher-pass.js';
import { maskedTokenRows } from '../classifier-objective.js';
import type { Method } from '../mnist-job.js';
import { METHODS } from '../mnist-job.js';
import type { PretrainConfig } from './pretrained-bert.js';
import { pretrainedBert } from './pretrained-bert.js';
import { textTokenizer } from './tokenizer.js';
import type { JobRunOutputs, RunIo } from '../run-checkpoints.js';
import { finishedBefore, fitRunCheckpoint, keptEpochs, runIo, runKey, scheduledRunCheckpoint } from '../run-checkpoints.js';
import type { Mail } from './spam-assassin.js';
import { SPAM_LABELS, readMail, spamAssassinFiles } from './spam-assassin.js';
import { mailExamples, spamScores, spamSplits } from './spam-splits.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';

export interface TextJobConfig extends PretrainConfig {
  /** Tokens per mail ([CLS] subject and body … [SEP]); at most seqLength. */
  readonly finetuneSeq: number;
  readonly labelled: number;
  readonly validation: number;
  readonly heldOut: number;
  readonly batchSize: number;
  readonly finetuneEpochs: number;
  readonly lr: number;
  readonly reserveP: number;
  /** Numbered layers per phase of the scheduled method's schedule (FTS's generated one merged by layer); 0: FTS's as generated. */
  readonly scheduleLayers: number;
  /** Phase k thaws the next by epoch (k + 1)·scheduleThawEpochs at the latest (max_transition_epoch); 0: by early stopping only. */
  readonly scheduleThawEpochs: number;
  /** lr of the groups every phase after the first adds (FTS's base_max_lr); 0: lr. */
  readonly scheduleLr: number;
  /** Validations without improvement that end a phase (and the last phase's training). */
  readonly schedulePatience: number;
  readonly seeds: readonly number[];
  readonly methods?: readonly Method[];
}

export const DEFAULT_TEXT_JOB: TextJobConfig = {
  vocabSize: 4096, hidden: 128, layers: 4, heads: 2, intermediate: 512, seqLength: 128,
  pretrainSentences: 0, pretrainEpochs: 1, pretrainBatch: 32, pretrainLr: 1e-3, stepsPerCall: 4, padMultiple: 16,
  // fine-tuning sized to the budget by measurement (README, Fine-tuning on text): more mails cut shorter beat fewer read further;
  // 8 epochs at 2e-3 because the pre-trained model sat on the class prior for 3 epochs at 1e-4 (and learned from epoch 2-3 at 2e-3)
  finetuneSeq: 64, labelled: 200, validation: 100, heldOut: 500, batchSize: 16, finetuneEpochs: 8, lr: 2e-3, reserveP: 0.3,
  // scheduled: FTS's generated schedule merged into head, encoder, embeddings, thawed by epochs 1 and 2, later phases at 5e-4
  // (README, Fine-tuning on text: FTS's 36 phases, or a phase a layer, or 2e-3 for the encoder, left it on the class prior)
  scheduleLayers: 4, scheduleThawEpochs: 1, schedulePatience: 3, scheduleLr: 5e-4, seeds: [1, 2, 3],
};

export interface TextRunResult {
  readonly method: Method;
  readonly seed: number;
  readonly testAccuracy: number;
  /** F1 of the spam class on the held-out mail. */
  readonly testF1: number;
  /** Accuracy on the held-out hard ham (ham that looks like spam), when the held-out set has some. */
  readonly hardHamAccuracy?: number;
  readonly seconds: number;
  readonly records: readonly EpochRecord[];
  readonly keptFraction?: number;
  readonly transitions?: ReadonlyArray<{ readonly epoch: number; readonly depth: number }>;
  readonly stopReason?: string;
  /** Resumed: epochs before the resume whose time was not recorded (`seconds` leaves them out). */
  readonly untimedEpochs?: number;
}

/** The reference trainer's conventions (child-tuning.md): clip to global norm 1, 10% warmup, linear decay; HF AdamW. */
export const textTransform = (method: Method, cfg: Pick<TextJobConfig, 'lr' | 'reserveP'>, seed: number, totalSteps: number, masks?: Readonly<Record<string, Uint8Array>>) => {
  const lr = o.linearWarmupDecay({ peak: cfg.lr, warmupRatio: 0.1, total: Math.max(1, totalSteps) });
  const inner =
    method === 'child-tuning-F' ? o.childTuningAdamW(lr, { mode: 'F', reserveP: cfg.reserveP, seed, weightDecay: 0.01 })
    : method === 'child-tuning-D' ? o.childTuningAdamW(lr, { mode: 'D', masks: masks!, reserveP: cfg.reserveP, weightDecay: 0.01 })
    : o.childTuningAdamW(lr, { weightDecay: 0.01 });
  return o.chain(o.clipByGlobalNorm(1), inner);
};

/** The scheduled method's schedule: FTS's generated one, merged into a phase per `scheduleLayers` layers unless 0. */
export const textSchedule = (cfg: Pick<TextJobConfig, 'lr' | 'scheduleLayers' | 'scheduleThawEpochs' | 'scheduleLr'>, model: nn.Layer<any>): Schedule => {
  const baseMaxLr = cfg.scheduleLr || cfg.lr;
  const phases = cfg.scheduleLayers === 0 ? generateSchedule(nn.modelSpec(model), { baseMaxLr }) : generateLayerSchedule(nn.modelSpec(model), { baseMaxLr, layersPerPhase: cfg.scheduleLayers });
  return cfg.scheduleThawEpochs === 0 ? phases : phases.map((p, k) => ({ ...p, max_transition_epoch: k < phases.length - 1 ? (k + 1) * cfg.scheduleThawEpochs : -1 }));
};

/** FTS's generated schedule for the model as phases of the phase machine: output layers first, two parameters a phase. */
export const scheduledMachine = (cfg: Pick<TextJobConfig, 'lr' | 'finetuneEpochs'> & { readonly schedulePatience?: number }, schedule: Schedule): PhaseMachineConfig => ({
  phases: schedule.map((p) => ({ params: p.params, maxTransitionEpoch: p.max_transition_epoch ?? -1, ...(p.lr === undefined ? {} : { lr: p.lr }) })),
  maxDepth: -1, epochTransitionsOnly: false, restoreBest: true, baseMaxLr: cfg.lr,
  earlyStopping: { mode: 'min', patience: cfg.schedulePatience ?? 1, minDelta: 0 }, maxEpochs: cfg.finetuneEpochs,
});

export interface TextJobOutputs extends JobRunOutputs<Method, TextRunResult> {
  /** Called with each finished run. */
  readonly onRun?: (r: TextRunResult) => void;
  /** The generated schedule the scheduled method follows, before any run. */
  readonly onSchedule?: (schedule: Schedule) => void;
}

const FEATURES = (cfg: TextJobConfig) => [3, cfg.finetuneSeq];

/** CPU-seconds of the whole process (every worker thread) since `from`: what the machine's load does not inflate. */
export const cpuSecondsSince = (from?: NodeJS.CpuUsage): number => {
  const u = process.cpuUsage(from);
  return (u.user + u.system) / 1e6;
};

/**
 * Each setting of the job, and whether a run's numbers depend on it (the type makes every new setting take a side): a
 * run's checkpoints record a hash of those, so a resume under other settings is refused.
 */
const CHANGES_NUMBERS: { readonly [K in keyof Required<TextJobConfig>]: boolean } = {
  vocabSize: true, hidden: true, layers: true, heads: true, intermediate: true, seqLength: true, pretrainSentences: true, pretrainEpochs: true, pretrainBatch: true, pretrainLr: true, padMultiple: true,
  finetuneSeq: true, labelled: true, validation: true, heldOut: true, batchSize: true, finetuneEpochs: true, lr: true, reserveP: true, scheduleLayers: true, scheduleThawEpochs: true, schedulePatience: true, scheduleLr: true,
  // a run's own seed and method are keyed on their own; which others run beside it does not change it
  seeds: false, methods: false, stepsPerCall: false,
};

export const textRunKey = (cfg: TextJobConfig, method: Method, seed: number): string =>
  runKey(Object.fromEntries(Object.entries(CHANGES_NUMBERS).filter(([, counts]) => counts).map(([k]) => [k, cfg[k as keyof TextJobConfig]])), method, seed);

const finetuneRun = async (rt: Runtime, cfg: TextJobConfig, model: nn.Layer<any>, base: Readonly<Record<string, Float32Array>>, method: Method, seed: number, data: { train: Examples; validation: Examples; test: Examples & { groups: string[] } }, schedule: Schedule, io: RunIo): Promise<TextRunResult> => {
  const t0 = performance.now();
  const common = { model, input: maskedTokenRows, features: FEATURES(cfg), padMultiple: cfg.padMultiple, batchSize: cfg.batchSize, stepsPerCall: cfg.stepsPerCall, seed, progress: `${method} seed ${seed}` };
  const onEpoch = (r: EpochRecord) => void io.onEpoch?.(r);
  const key = textRunKey(cfg, method, seed);
  const shapes = nn.paramShapes(model);
  const name = `${method}-seed${seed}`;
  let params = base;
  let kept: ReturnType<typeof keptEpochs>;
  let extra: Pick<TextRunResult, 'transitions' | 'stopReason' | 'keptFraction'> = {};
  if (method === 'scheduled') {
    const { checkpointed, ...point } = scheduledRunCheckpoint(io, name, shapes, key);
    kept = keptEpochs(io, checkpointed);
    const res = await scheduledFit(rt, { ...common, ...point, machine: scheduledMachine(cfg, schedule), groupTransform: (lr, decay) => o.childTuningAdamW(lr ?? cfg.lr, { weightDecay: decay ? 0.01 : 0 }), onEpoch }, base, data.train, data.validation);
    params = res.params;
    kept.records.push(...res.records);
    extra = { transitions: res.transitions, ...(res.stopReason ? { stopReason: res.stopReason } : {}) };
  } else {
    let masks: Record<string, Uint8Array> | undefined;
    if (method === 'child-tuning-D') {
      // the reference scores the parameters whose names hold 'layer': BERT's encoder layers
      const selected = Object.keys(base).filter((n) => n.includes('layer'));
      const m = fisherMask(await fisherScores(rt, model, base, data.train, { selected, batchSize: cfg.batchSize, seed, maxGradNorm: 1, features: FEATURES(cfg), input: maskedTokenRows }), cfg.reserveP);
      masks = m.masks;
      extra = { keptFraction: m.keptFraction };
    }
    const totalSteps = cfg.finetuneEpochs * Math.floor(data.train.count / cfg.batchSize);
    const { start, checkpointed, ...point } = fitRunCheckpoint(io, name, shapes, key, base);
    kept = keptEpochs(io, checkpointed);
    const res = await fit(rt, { ...common, ...point, transform: textTransform(method, cfg, seed, totalSteps, masks), epochs: cfg.finetuneEpochs, onEpoch }, start, data.train, data.validation);
    params = res.params;
    kept.records.push(...res.records);
  }
  // a resumed run keeps the epochs its checkpoint covers; its time is this attempt's plus theirs
  const { records, secondsBefore, untimedEpochs } = kept;
  const tester = evaluator(rt, model, FEATURES(cfg), data.test, maskedTokenRows, true, cfg.padMultiple);
  const { predictions } = await tester.run(params);
  tester.destroy();
  const { accuracy, f1 } = spamScores(predictions!, data.test.labels);
  const hard = data.test.groups.flatMap((gr, i) => (gr === 'hard-ham-1' ? [i] : []));
  const hardHamAccuracy = hard.length ? hard.filter((i) => predictions![i] === 0).length / hard.length : undefined;
  return { method, seed, testAccuracy: accuracy, testF1: f1, ...(hardHamAccuracy === undefined ? {} : { hardHamAccuracy }), seconds: secondsBefore + (performance.now() - t0) / 1000, records, ...extra, ...(untimedEpochs > 0 ? { untimedEpochs } : {}) };
};

/** The whole comparison; `log` gets a line per finished run. */
export const runTextJob = async (rt: Runtime, cfg: TextJobConfig, cacheDir: string, log: (s: string) => void, outputs: TextJobOutputs = {}): Promise<TextRunResult[]> => {
  const { dir, loaded } = await pretrainedBert(rt, cfg, cacheDir, SPAM_LABELS, 0, log);
  loaded.notes.forEach((n) => log(`  ${n}`));
  const tok = textTokenizer(JSON.parse(readFileSync(join(dir, 'tokenizer.json'), 'utf8')), JSON.parse(readFileSync(join(dir, 'tokenizer_config.json'), 'utf8')));
  if (E.isLeft(tok)) throw new Error(`${dir}: ${tok.left.join('; ')}`);
  const model = nn.bertClassifier(loaded.config);
  const schedule = textSchedule(cfg, model);
  outputs.onSchedule?.(schedule);
  const t0 = performance.now();
  const files = spamAssassinFiles();
  const splits = spamSplits(files.length, cfg);
  // only the mails some set takes are read
  const read = new Map<number, Mail>();
  const mail = (i: number) => read.get(i) ?? read.set(i, readMail(files[i])).get(i)!;
  const pick = (idx: readonly number[]) => mailExamples(tok.right, idx.map(mail), cfg.finetuneSeq);
  const test = pick(splits.heldOut);
  const validation = pick(splits.validation);
  log(`SpamAssassin: ${files.length} mails; held-out ${test.count} (${test.groups.filter((g) => g === 'hard-ham-1').length} hard ham), validation ${validation.count}, ${cfg.labelled} labelled per seed; tokenised in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const results: TextRunResult[] = [];
  for (const seed of cfg.seeds) {
    const train = pick(splits.labelledFor(seed));
    for (const method of cfg.methods ?? METHODS) {
      const before = finishedBefore(outputs, method, seed, log);
      if (before) {
        results.push(before);
        continue;
      }
      const c0 = process.cpuUsage();
      const r = await finetuneRun(rt, cfg, model, loaded.params, method, seed, { train, validation, test }, schedule, runIo(outputs, method, seed, log));
      results.push(r);
      outputs.onRun?.(r);
      const note = r.keptFraction !== undefined ? ` (mask kept ${(r.keptFraction * 100).toFixed(1)}%)` : r.transitions ? ` (depth ${r.transitions.at(-1)?.depth ?? 0} of ${schedule.length - 1}${r.stopReason ? `; ${r.stopReason}` : ''})` : '';
      log(`${method.padEnd(15)} seed ${seed}: test accuracy ${(r.testAccuracy * 100).toFixed(1)}%, spam F1 ${r.testF1.toFixed(3)}${r.hardHamAccuracy === undefined ? '' : `, hard ham ${(r.hardHamAccuracy * 100).toFixed(0)}%`} in ${r.seconds.toFixed(1)} s (${cpuSecondsSince(c0).toFixed(0)} CPU-s)${note}`);
    }
  }
  return results;
};
