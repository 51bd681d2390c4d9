// Scheduled fine-tuning's checkpoints, as the Fine-Tuning Scheduler keeps them: `last.safetensors` after
// every epoch and `best.safetensors` whenever validation improves, each with the phase depth, the best
// checkpoint's metric, depth and epoch, and the phase machine's progress, so a run resumes where it stopped.
import { join } from 'node:path';
import * as t from 'io-ts';
import * as E from 'fp-ts/lib/Either.js';
import type { Shape } from '../dsl/index.js';
import type { ParamGroup, PhaseProgress } from '../optim/phases/index.js';
import type { CheckpointProblem, LoadedCheckpoint, SavedCheckpoint } from './checkpoint/index.js';
import { loadCheckpoint, saveCheckpoint } from './checkpoint/index.js';
import { configProblems, decodeProgress, stateOf } from './fit-checkpoint.js';
import type { OptimizerState, Values } from './optimizer-runner.js';

export interface ScheduledCheckpointing {
  readonly dir: string;
  /** The run's configuration (or a hash of it): a resume under another configuration is refused. */
  readonly config: string;
}

/** Where a scheduled run stands after an epoch, beyond parameters and optimizer state. */
export interface ScheduledProgress {
  readonly machine: PhaseProgress;
  readonly groups: readonly ParamGroup[];
  readonly transitions: ReadonlyArray<{ readonly epoch: number; readonly depth: number }>;
}

export interface ScheduledResume {
  /** Completed epochs. */
  readonly epoch: number;
  readonly params: Values;
  readonly state: OptimizerState;
  readonly progress: ScheduledProgress;
  /** The best checkpoint's parameters and optimizer state, for a restore-best after the resume. */
  readonly best?: { readonly params: Values; readonly state: OptimizerState };
}

export const LAST = 'last.safetensors';
export const BEST = 'best.safetensors';

const Num = t.number;
const Int = t.refinement(t.number, (n) => Number.isInteger(n), 'integer');
const Best = t.type({ metric: Num, depth: Int, epoch: Int });
/** A scheduled run's progress as checkpoints record it (the sharded sets' index too). */
export const ProgressCodec = t.type({
  machine: t.intersection([
    t.type({ depth: Int, maxEpochs: Int, phaseDone: t.boolean, wait: Int }),
    t.partial({ esBest: Num, best: Best, stopped: t.type({ cause: t.keyof({ 'early-stopping': null, 'max-depth': null, 'max-epochs': null, 'no-phases': null }), reason: t.string }) }),
  ]),
  groups: t.array(t.intersection([t.type({ phase: Int, params: t.array(t.string), weightDecay: t.keyof({ decay: null, no_decay: null }) }), t.partial({ lr: Num })])),
  transitions: t.array(t.type({ epoch: Int, depth: Int })),
});

export interface ScheduledSnapshot {
  readonly params: Values;
  readonly state: OptimizerState;
  readonly shapes: Readonly<Record<string, Shape>>;
  readonly epoch: number;
  readonly seed: number;
  readonly progress: ScheduledProgress;
}

/** What a checkpoint's metadata records of the phase machine (JSON keeps only defined fields: no undefined best, so it reads back as itself). */
export const phaseMeta = (p: ScheduledProgress) => ({ phaseDepth: p.machine.depth, ...(p.machine.best ? { best: p.machine.best } : {}), phaseProgress: p });

const save = (to: ScheduledCheckpointing, name: string, c: ScheduledSnapshot): E.Either<CheckpointProblem[], SavedCheckpoint> =>
  saveCheckpoint(join(to.dir, name), {
    params: { ...c.params, ...c.state.params },
    optState: c.state.state,
    meta: {
      step: c.state.step,
      epoch: c.epoch,
      ...phaseMeta(c.progress),
      generator: { seed: c.seed, step: c.state.step },
      config: to.config,
    },
    shapes: { params: c.shapes },
  });

/** `best.safetensors` first when this epoch is the best, then `last.safetensors`: a last file never names a best that is not on disk. */
export const saveScheduledCheckpoints = (to: ScheduledCheckpointing, c: ScheduledSnapshot, isBest: boolean): E.Either<CheckpointProblem[], SavedCheckpoint> =>
  isBest ? E.chain(() => save(to, LAST, c))(save(to, BEST, c)) : save(to, LAST, c);

const progressOf = (file: string, c: LoadedCheckpoint) => decodeProgress(file, c, ProgressCodec) as E.Either<CheckpointProblem[], ScheduledProgress>;

/**
 * A scheduled run's resume point from its checkpoint folder, or every problem with either file. A crash
 * between the two writes of an improving epoch leaves best.safetensors one epoch ahead of last: that best is
 * the epoch's whole checkpoint, so the run resumes from it.
 */
export const loadScheduledResume = (dir: string, shapes: Readonly<Record<string, Shape>>, config: string): E.Either<CheckpointProblem[], ScheduledResume> => {
  const [lastFile, bestFile] = [join(dir, LAST), join(dir, BEST)];
  const last = loadCheckpoint(lastFile, { params: shapes });
  if (E.isLeft(last)) return last;
  const bestOnDisk = loadCheckpoint(bestFile, { params: shapes });
  const ahead = E.isRight(bestOnDisk) && bestOnDisk.right.meta.epoch > last.right.meta.epoch;
  const [file, c] = ahead && E.isRight(bestOnDisk) ? [bestFile, bestOnDisk.right] : [lastFile, last.right];
  const problems = configProblems(file, c, config);
  const progress = progressOf(file, c);
  if (E.isLeft(progress)) return E.left([...problems, ...progress.left]);
  const trainable = progress.right.groups.flatMap((g) => g.params);
  let best: ScheduledResume['best'];
  if (c.meta.best) {
    const bp = E.isRight(bestOnDisk) ? progressOf(bestFile, bestOnDisk.right) : undefined;
    if (E.isLeft(bestOnDisk)) problems.push(...bestOnDisk.left);
    else if (bp && E.isLeft(bp)) problems.push(...bp.left);
    else if (bestOnDisk.right.meta.epoch !== c.meta.best.epoch + 1) {
      problems.push({ file: bestFile, path: '__metadata__["graft.epoch"]', message: `holds the end of epoch ${bestOnDisk.right.meta.epoch}, but ${LAST} names epoch ${c.meta.best.epoch + 1} as the best` });
    } else if (bp && E.isRight(bp)) best = { params: bestOnDisk.right.params, state: stateOf(bestOnDisk.right, bp.right.groups.flatMap((g) => g.params)) };
  }
  if (problems.length) return E.left(problems);
  return E.right({ epoch: c.meta.epoch, params: c.params, state: stateOf(c, trainable), progress: progress.right, ...(best ? { best } : {}) });
};
