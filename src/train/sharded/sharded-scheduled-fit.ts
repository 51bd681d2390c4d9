// Scheduled fine-tuning under shards: the phase machine of scheduled-fit drives every rank alike (each evaluates the
// same gathered parameters, so each takes the same decisions); a thaw rebuilds the sharded step for the new groups.
// Checkpoints are the sharded sets of shardedFit with the machine's progress in them, plus the whole best state.
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import type { Shape } from '../../dsl/index.js';
import type { Runtime } from '../../runtime/index.js';
import type { Layer } from '../../nn/index.js';
import { modelSpec, paramShapes } from '../../nn/index.js';
import type { Transform } from '../../optim/index.js';
import type { PhaseMachineConfig, PhaseStep } from '../../optim/phases/index.js';
import { initial, step as phaseStep } from '../../optim/phases/index.js';
import type { Collectives, FullState, ShardState, ShardedStepper, ShardingStrategy, WrapPolicy } from '../../shard/index.js';
import { checkDisjointness, createShardedStepper, describeProblems, flatUnits } from '../../shard/index.js';
import type { ModelInput } from '../classifier-objective.js';
import { classifierObjective, featureRows } from '../classifier-objective.js';
import type { Examples } from '../fit.js';
import { evaluator } from '../fit.js';
import type { Values } from '../optimizer-runner.js';
import type { PhaseBook } from '../phase-actions.js';
import { groupParams, groupsTransform, performActions } from '../phase-actions.js';
import type { ScheduledRecord, ScheduledResult } from '../scheduled-fit.js';
import type { ScheduledProgress } from '../scheduled-checkpoint.js';
import { shardedEpoch } from './sharded-epoch.js';
import type { ScheduleRecord } from './sharded-checkpoint.js';
import { INDEX_FILE, loadSharded, readShardIndex } from './sharded-checkpoint.js';
import { loadBestState, saveBestState } from './sharded-best-state.js';
import { saveCheckpoints } from './sharded-fit.js';
import { mkdirSync } from 'node:fs';

export interface ShardedScheduledFitConfig {
  readonly model: Layer<any>;
  readonly input?: ModelInput;
  readonly features: Shape;
  readonly batchSize: number;
  readonly seed: number;
  readonly machine: PhaseMachineConfig;
  /** One parameter group's optimizer (elementwise: clip with maxGradNorm): its lr (undefined: phase 0's) and whether it decays. */
  readonly groupTransform: (lr: number | undefined, decay: boolean) => Transform<any>;
  readonly policy: WrapPolicy;
  readonly strategy: ShardingStrategy;
  /** Micro-batches per step over all ranks (default W). */
  readonly microBatches?: number;
  readonly maxGradNorm?: number;
  /** FULL_SHARD: free each unit's gathered parameters after its forward, gather again for its backward (default true, as FSDP). */
  readonly reshardAfterForward?: boolean;
  readonly log?: (line: string) => void;
  /** After every epoch, before its checkpoint: its record; return false to stop after the checkpoint, as an interrupted run would. */
  readonly onEpoch?: (record: ScheduledRecord) => boolean | void;
  /** After every epoch: a sharded set in `dir` holding the phase machine's progress, the whole best state when it changed, and with `consolidated` one whole safetensors file. */
  readonly checkpoint?: { readonly dir: string; readonly config: string; readonly consolidated?: boolean };
  /** Continue from the sharded set in this folder, whatever W wrote it: the machine, groups, optimizer and best state as they were. */
  readonly resume?: { readonly dir: string };
}

export interface ShardedScheduledResult extends ScheduledResult {
  /** Completed steps, rolled back with a restored best state as the unsharded fit rolls them back. */
  readonly steps: number;
}

/** Every phase must thaw whole flat units (FTS's FSDP checks): the existing report, before anything is built. */
export const scheduleFitsUnits = (model: Layer<any>, policy: WrapPolicy, machine: PhaseMachineConfig): E.Either<string, void> => {
  const spec = modelSpec(model);
  const assignment = Object.fromEntries(machine.phases.flatMap((p, k) => p.params.map((n) => [n, k] as const)));
  const check = checkDisjointness(spec, flatUnits(spec, policy), assignment);
  return check.ok ? E.right(undefined) : E.left(`the schedule does not fit the wrap policy's flat units, nothing trained:\n${describeProblems(check)}`);
};

export const shardedScheduledFit = async (rt: Runtime, c: Collectives, cfg: ShardedScheduledFitConfig, params0: Values, train: Examples, validation: Examples): Promise<E.Either<string, ShardedScheduledResult>> => {
  const M = cfg.microBatches ?? c.size;
  const B = cfg.batchSize;
  if (B % M !== 0) return E.left(`batchSize ${B} is not a multiple of the ${M} micro-batches`);
  const fits = scheduleFitsUnits(cfg.model, cfg.policy, cfg.machine);
  if (E.isLeft(fits)) return fits;
  const shapes = paramShapes(cfg.model);
  const width = cfg.features.reduce((a, b) => a * b, 1);
  const objective = classifierObjective(cfg.model, B / M, cfg.features, {}, cfg.input ?? featureRows);
  const units = flatUnits(modelSpec(cfg.model), cfg.policy);
  const evaluate = evaluator(rt, cfg.model, cfg.features, validation, cfg.input);
  let stepper: ShardedStepper | undefined;
  let s: ShardState | undefined;
  let book: PhaseBook = { groups: [], transitions: [] };
  // whole parameters and optimizer state to rebuild from: the start, or the best state a restore rolls back to
  let pending: FullState | undefined = { params: params0, opt: {}, step: 0 };
  let dirty = false;
  let best: FullState | undefined;
  // the best state's file as the index records it (rank 0's: it writes the index)
  let bestRecord: ScheduleRecord['best'];

  const stepperFor = (groups: PhaseBook['groups']) =>
    createShardedStepper(rt, c, { objective, shapes, units, trainable: groupParams(groups), transform: groupsTransform(groups, cfg.groupTransform), strategy: cfg.strategy, microBatches: M, ...(cfg.maxGradNorm === undefined ? {} : { maxGradNorm: cfg.maxGradNorm }), ...(cfg.reshardAfterForward === undefined ? {} : { reshardAfterForward: cfg.reshardAfterForward }) });

  /** The step for the current groups; optimizer leaves that existed before carry over, thawed units' start fresh on every rank. */
  const rebuild = async (): Promise<E.Either<string, void>> => {
    let full: FullState;
    if (pending) full = pending;
    else {
      const now = await stepper!.consolidate(s!);
      if (E.isLeft(now)) return now;
      full = now.right;
    }
    stepper?.destroy();
    stepper = undefined;
    const made = stepperFor(book.groups);
    if (E.isLeft(made)) return made;
    stepper = made.right;
    const fresh = await stepper.init({ ...params0, ...full.params });
    if (E.isLeft(fresh)) return fresh;
    const freshFull = await stepper.consolidate(fresh.right);
    if (E.isLeft(freshFull)) return freshFull;
    const opt = Object.fromEntries(Object.entries(freshFull.right.opt).map(([k, v]) => [k, full.opt[k]?.length === v.length ? full.opt[k] : v]));
    const restored = stepper.restore({ params: freshFull.right.params, opt, step: full.step });
    if (E.isLeft(restored)) return restored;
    s = restored.right;
    pending = undefined;
    dirty = false;
    return E.right(undefined);
  };

  const perform = (m: PhaseStep, epoch: number, when: 'before' | 'after') => {
    const done = performActions(book, m, epoch, when, best !== undefined, cfg.log);
    book = done.book;
    if (done.restoreBest) pending = best;
    dirty ||= done.dirty;
  };

  /** Where the set in `dir` stopped: the machine, the step for its groups with this rank's cut of its state, its best state. */
  const resumeFrom = async (dir: string): Promise<E.Either<string, { machine: PhaseStep; epoch: number }>> => {
    const cannot = (problems: readonly string[]) => E.left(`cannot resume:\n  ${problems.join('\n  ')}`);
    const index = readShardIndex(dir);
    if (E.isLeft(index)) return cannot(index.left);
    const schedule = index.right.schedule;
    if (!schedule) return cannot([`${join(dir, INDEX_FILE)}: schedule: missing: the set was not written by a scheduled run`]);
    const { progress } = schedule;
    book = { groups: progress.groups, transitions: progress.transitions, ...(progress.machine.stopped ? { stopReason: progress.machine.stopped.reason } : {}) };
    const made = stepperFor(book.groups);
    if (E.isLeft(made)) return made;
    stepper = made.right;
    // the optimizer leaves the checkpoint's groups have: a set whose state does not fit them is refused
    const loaded = loadSharded(dir, { units, shapes, optShapes: stepper.fullOptShapes, ...(cfg.checkpoint ? { config: cfg.checkpoint.config } : {}) });
    const bestState = loadBestState(dir, index.right, shapes);
    if (E.isLeft(loaded) || E.isLeft(bestState)) return cannot([...(E.isLeft(loaded) ? loaded.left : []), ...(E.isLeft(bestState) ? bestState.left : [])]);
    const restored = stepper.restore(loaded.right.full);
    if (E.isLeft(restored)) return restored;
    s = restored.right;
    best = bestState.right;
    bestRecord = schedule.best;
    pending = undefined;
    dirty = false;
    return E.right({ machine: { state: { config: cfg.machine, progress: progress.machine }, actions: [] }, epoch: index.right.epoch });
  };

  /** The epoch's sharded set (and consolidated file) with the machine's progress; first, when this epoch is the best, its whole state. */
  const checkpoint = async (o: NonNullable<ShardedScheduledFitConfig['checkpoint']>, progress: ScheduledProgress, epochsDone: number, isBest: boolean): Promise<E.Either<string, void>> => {
    if (isBest && c.rank === 0) {
      // only rank 0 writes here, so it makes the folder; saveCheckpoints' barrier then holds every rank for the set
      mkdirSync(o.dir, { recursive: true });
      const saved = saveBestState(o.dir, { ...best!, params: { ...params0, ...best!.params } }, epochsDone, { seed: cfg.seed, config: o.config, progress }, shapes);
      if (E.isLeft(saved)) return saved;
      bestRecord = saved.right;
    }
    return saveCheckpoints(c, stepper!, o, s!, { epoch: epochsDone, seed: cfg.seed, config: o.config, schedule: { progress, ...(bestRecord ? { best: bestRecord } : {}) } }, { ...params0 }, shapes);
  };

  const records: ScheduledRecord[] = [];
  try {
    let machine: PhaseStep;
    let firstEpoch = 0;
    if (cfg.resume) {
      const resumed = await resumeFrom(cfg.resume.dir);
      if (E.isLeft(resumed)) return resumed;
      ({ machine, epoch: firstEpoch } = resumed.right);
    } else {
      machine = initial(cfg.machine);
      perform(machine, 0, 'before');
    }
    for (let epoch = firstEpoch; book.stopReason === undefined; epoch++) {
      machine = phaseStep(machine.state, { kind: 'epoch-start', epoch });
      perform(machine, epoch, 'before');
      if (book.stopReason !== undefined) break;
      if (dirty || !stepper) {
        const built = await rebuild();
        if (E.isLeft(built)) return built;
      }
      const t0 = performance.now();
      const ep = await shardedEpoch(c, stepper!, s!, train, epoch, { batchSize: B, microBatches: M, seed: cfg.seed, width });
      if (E.isLeft(ep)) return ep;
      s = ep.right.state;
      const full = await stepper!.gather(s);
      if (E.isLeft(full)) return full;
      const ev = await evaluate.run({ ...params0, ...full.right });
      records.push({ epoch: epoch + 1, depth: machine.state.progress.depth, trainLoss: ep.right.loss, trainAccuracy: ep.right.accuracy, evalLoss: ev.loss, evalAccuracy: ev.accuracy, seconds: (performance.now() - t0) / 1000 });
      // before the checkpoint, as shardedFit: metrics are never behind it
      const interrupted = cfg.onEpoch?.(records[records.length - 1]) === false;
      machine = phaseStep(machine.state, { kind: 'validation', epoch, metric: ev.loss });
      const isBest = machine.state.progress.best?.epoch === epoch;
      if (isBest) {
        // every rank keeps the whole best state (a consolidated checkpoint in memory): restoring cuts each rank's pieces from it
        const snap = await stepper!.consolidate(s);
        if (E.isLeft(snap)) return snap;
        best = snap.right;
      }
      perform(machine, epoch, 'after');
      if (cfg.checkpoint) {
        const saved = await checkpoint(cfg.checkpoint, { machine: machine.state.progress, groups: book.groups, transitions: book.transitions }, epoch + 1, isBest);
        if (E.isLeft(saved)) return saved;
      }
      if (interrupted) break;
    }
    // a run that stops right after a restore ends on the restored state, as the unsharded fit does
    const last: E.Either<string, Pick<FullState, 'params' | 'step'>> = pending ? E.right(pending) : stepper && s ? E.map((p: Values) => ({ params: p, step: s!.step }))(await stepper.gather(s)) : E.right({ params: params0, step: 0 });
    return E.map((f: Pick<FullState, 'params' | 'step'>) => ({ params: { ...params0, ...f.params }, records, transitions: book.transitions, steps: f.step, ...(book.stopReason === undefined ? {} : { stopReason: book.stopReason }) }))(last);
  } finally {
    stepper?.destroy();
    evaluate.destroy();
  }
};
