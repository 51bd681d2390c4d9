// Scheduled fine-tuning driven by the phase state machine: each epoch start and validation goes in,
// its actions come out and are carried out here: thaw, (re)build parameter groups, restore the best
// checkpoint, stop. Optimizer state of groups that already existed carries over a rebuild.
import type { Shape } from '../dsl/index.js';
import type { Runtime } from '../runtime/index.js';
import type { Layer } from '../nn/index.js';
import type { Transform } from '../optim/index.js';
import type { ParamGroup, PhaseMachineConfig, PhaseStep } from '../optim/phases/index.js';
import { groupParams, groupsTransform, performActions } from './phase-actions.js';
import { initial, step as phaseStep } from '../optim/phases/index.js';
import type { EpochRecord, Examples } from './fit.js';
import type { ModelInput } from './classifier-objective.js';
import { classifierRunners, evaluator, trainEpoch } from './fit.js';
import type { OptimizerState, Values } from './optimizer-runner.js';
import type { ScheduledCheckpointing, ScheduledResume } from './scheduled-checkpoint.js';
import { saveScheduledCheckpoints } from './scheduled-checkpoint.js';
import { stateMismatches } from './fit-checkpoint.js';
import { paramShapes } from '../nn/index.js';
import { formatCheckpointProblem } from './checkpoint/index.js';
import * as E from 'fp-ts/lib/Either.js';

export interface ScheduledFitConfig {
  readonly model: Layer<any>;
  /** How batch rows reach the model (see FitConfig). */
  readonly input?: ModelInput;
  readonly features: Shape;
  /** Examples with `lengths`: batches are padded to a multiple of this (see FitConfig); default 8. */
  readonly padMultiple?: number;
  readonly batchSize: number;
  readonly seed: number;
  readonly machine: PhaseMachineConfig;
  /** The optimizer of one parameter group: its lr (undefined: phase 0's configured lr) and whether it decays. */
  readonly groupTransform: (lr: number | undefined, decay: boolean) => Transform<any>;
  /** Training steps per runtime call (see FitConfig). */
  readonly stepsPerCall?: number;
  /** Write last.safetensors after every epoch and best.safetensors when validation improves. */
  readonly checkpoint?: ScheduledCheckpointing;
  /** Continue a run from its checkpoint folder (see loadScheduledResume). */
  readonly resume?: ScheduledResume;
  /** Called after each epoch, before its checkpoint; return false to stop after the checkpoint, as an interrupted run would. */
  readonly onEpoch?: (record: ScheduledRecord) => boolean | void;
  readonly log?: (line: string) => void;
}

export interface ScheduledRecord extends EpochRecord {
  readonly depth: number;
}

export interface ScheduledResult {
  readonly params: Values;
  readonly records: readonly ScheduledRecord[];
  /** Each thaw after phase 0, with the epochs completed when it happened (the new phase trains from epoch `epoch + 1`). */
  readonly transitions: ReadonlyArray<{ readonly epoch: number; readonly depth: number }>;
  readonly stopReason?: string;
}

interface Snapshot {
  readonly params: Values;
  readonly state: OptimizerState;
}

export const scheduledFit = async (rt: Runtime, cfg: ScheduledFitConfig, params0: Values, train: Examples, validation: Examples): Promise<ScheduledResult> => {
  const width = cfg.features.reduce((a, b) => a * b, 1);
  const evaluate = evaluator(rt, cfg.model, cfg.features, validation, cfg.input, false, cfg.padMultiple);
  let params = { ...params0 };
  let groups: ParamGroup[] = [];
  let runner: ReturnType<typeof classifierRunners> | undefined;
  let opt: OptimizerState | undefined;
  let dirty = false;
  let best: Snapshot | undefined;
  let stopReason: string | undefined;
  const transitions: Array<{ epoch: number; depth: number }> = [];
  const records: ScheduledRecord[] = [];

  /**
   * Rebuild the step for the current groups, keeping the state leaves of groups that existed before;
   * `strict` (right after a resume) requires every leaf to be kept: a fresh one would change the numbers.
   */
  const rebuild = async (strict = false) => {
    const trainable = groupParams(groups);
    const transform = groupsTransform(groups, cfg.groupTransform);
    runner?.destroy();
    runner = classifierRunners(rt, cfg.model, transform, trainable, params, cfg.batchSize, cfg.features, cfg.input);
    const fresh = await runner.full.init(Object.fromEntries(trainable.map((n) => [n, params[n]])));
    if (fresh._tag === 'Left') throw fresh.left;
    const kept = opt?.state ?? {};
    if (strict) {
      const bad = stateMismatches(Object.fromEntries(Object.entries(fresh.right.state).map(([k, v]) => [k, [v.length]])), kept);
      if (bad.length) throw new Error(`cannot resume: the checkpoint's optimizer state does not fit these parameter groups:\n  ${bad.join('\n  ')}`);
    }
    opt = { ...fresh.right, step: opt?.step ?? 0, state: Object.fromEntries(Object.entries(fresh.right.state).map(([k, v]) => [k, kept[k]?.length === v.length ? kept[k] : v])) };
    dirty = false;
  };

  const perform = (s: PhaseStep, epoch: number, when: 'before' | 'after') => {
    const done = performActions({ groups, transitions: [], ...(stopReason === undefined ? {} : { stopReason }) }, s, epoch, when, best !== undefined, cfg.log);
    if (done.restoreBest && best) {
      params = { ...best.params };
      opt = best.state;
    }
    groups = [...done.book.groups];
    transitions.push(...done.book.transitions);
    stopReason = done.book.stopReason;
    dirty ||= done.dirty;
  };

  let machine: PhaseStep;
  const resume = cfg.resume;
  const shapes = paramShapes(cfg.model);
  try {
    if (resume) {
      // where the run stopped: its parameters, groups and optimizer state, the machine's progress, the best so far
      params = { ...params, ...resume.params };
      groups = [...resume.progress.groups];
      opt = resume.state;
      best = resume.best;
      transitions.push(...resume.progress.transitions);
      stopReason = resume.progress.machine.stopped?.reason;
      machine = { state: { config: cfg.machine, progress: resume.progress.machine }, actions: [] };
      // the step for the checkpoint's groups, checked against its optimizer state before anything trains
      await rebuild(true);
    } else {
      machine = initial(cfg.machine);
      perform(machine, 0, 'before');
    }
    for (let epoch = resume?.epoch ?? 0; stopReason === undefined; epoch++) {
      machine = phaseStep(machine.state, { kind: 'epoch-start', epoch });
      perform(machine, epoch, 'before');
      if (stopReason !== undefined) break;
      if (dirty || !runner) await rebuild();
      const t0 = performance.now();
      const ep = await trainEpoch(runner!.at, opt!, train, epoch, { batchSize: cfg.batchSize, seed: cfg.seed, width, features: cfg.features, padMultiple: cfg.padMultiple, stepsPerCall: cfg.stepsPerCall });
      opt = ep.state;
      params = { ...params, ...opt.params };
      const ev = await evaluate.run(params);
      const depth = machine.state.progress.depth;
      records.push({ epoch: epoch + 1, depth, trainLoss: ep.loss, trainAccuracy: ep.accuracy, evalLoss: ev.loss, evalAccuracy: ev.accuracy, seconds: (performance.now() - t0) / 1000 });
      machine = phaseStep(machine.state, { kind: 'validation', epoch, metric: ev.loss });
      const isBest = machine.state.progress.best?.epoch === epoch;
      if (isBest) best = { params: { ...params }, state: opt };
      perform(machine, epoch, 'after');
      const interrupt = cfg.onEpoch?.(records[records.length - 1]) === false;
      if (cfg.checkpoint) {
        const progress = { machine: machine.state.progress, groups, transitions };
        const saved = saveScheduledCheckpoints(cfg.checkpoint, { params, state: opt, shapes, epoch: epoch + 1, seed: cfg.seed, progress }, isBest);
        if (E.isLeft(saved)) throw new Error(`checkpoint not written:\n  ${saved.left.map(formatCheckpointProblem).join('\n  ')}`);
      }
      if (interrupt) break;
    }
    return { params, records, transitions, ...(stopReason ? { stopReason } : {}) };
  } finally {
    runner?.destroy();
    evaluate.destroy();
  }
};
