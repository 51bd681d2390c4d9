// One comparison run's checkpoints: where they go, the point a resumed run continues from, and the epochs it keeps
// from the attempt before; shared by `graft mnist`/`finetune` and `graft text`.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import type { Shape } from '../dsl/index.js';
import type { CheckpointProblem } from './checkpoint/index.js';
import { formatCheckpointProblem } from './checkpoint/index.js';
import type { EpochRecord } from './fit.js';
import type { FitCheckpointing, FitResume } from './fit-checkpoint.js';
import { loadResumePoint } from './fit-checkpoint.js';
import type { Values } from './optimizer-runner.js';
import type { ScheduledCheckpointing, ScheduledResume } from './scheduled-checkpoint.js';
import { LAST, loadScheduledResume } from './scheduled-checkpoint.js';
import { resumeNote } from './resume-note.js';

/** Where one run's checkpoints go, and what a resumed attempt knows of the one before. */
export interface RunIo {
  readonly checkpointDir?: string;
  /** Continue from the run's checkpoint when it has one. */
  readonly resume?: boolean;
  /** Its epochs recorded by the attempt before (they lead the result's records). */
  readonly earlier?: readonly EpochRecord[];
  /** Before training: the epoch its checkpoint was saved after, 0 when it starts from the beginning. */
  readonly onStart?: (checkpointed: number) => void;
  readonly onEpoch?: (record: EpochRecord) => void;
}

/** What a comparison job's caller asks of its runs' checkpoints and progress (`graft mnist`/`finetune`, `graft text`). */
export interface JobRunOutputs<M extends string, R> {
  /** Called as each run starts training, with the epoch its checkpoint was saved after (0: from the start). */
  readonly onStart?: (method: M, seed: number, checkpointed: number) => void;
  /** Called after each epoch of each run. */
  readonly onEpoch?: (method: M, seed: number, record: EpochRecord) => void;
  /** Each run's checkpoints go here: `<method>-seed<seed>.safetensors`, or a folder with last and best for scheduled. */
  readonly checkpointDir?: string;
  /**
   * A resumed job: runs finished before are kept as they are, not run again, and a run with a checkpoint
   * continues from it, after the epochs it had recorded (`earlier`).
   */
  readonly resume?: { readonly finished: readonly R[]; readonly earlier: (method: M, seed: number) => readonly EpochRecord[] };
}

const runLabel = (method: string, seed: number): string => `${method.padEnd(15)} seed ${seed}`;

/** The result a resumed job's run finished with before (logged as such), or undefined when it is still to run. */
export const finishedBefore = <M extends string, R extends { readonly method: M; readonly seed: number; readonly testAccuracy: number }>(outputs: JobRunOutputs<M, R>, method: M, seed: number, log: (s: string) => void): R | undefined => {
  const before = outputs.resume?.finished.find((r) => r.method === method && r.seed === seed);
  if (before) log(`${runLabel(method, seed)}: finished before (test accuracy ${(before.testAccuracy * 100).toFixed(1)}%)`);
  return before;
};

/** One run's `RunIo` in a job: its checkpoints, what the attempt before recorded, the resume line in `log`, and the job's callbacks. */
export const runIo = <M extends string>(outputs: JobRunOutputs<M, unknown>, method: M, seed: number, log: (s: string) => void): RunIo => {
  const earlier = outputs.resume?.earlier(method, seed) ?? [];
  return {
    checkpointDir: outputs.checkpointDir,
    resume: outputs.resume !== undefined,
    earlier,
    onStart: (checkpointed) => {
      if (earlier.length || checkpointed) log(resumeNote(runLabel(method, seed), earlier.at(-1)?.epoch ?? 0, checkpointed));
      outputs.onStart?.(method, seed, checkpointed);
    },
    onEpoch: (rec) => outputs.onEpoch?.(method, seed, rec),
  };
};

/** A hash of what a run's numbers depend on (the settings that change them, its method and seed): its checkpoints' config. */
export const runKey = (numbers: Readonly<Record<string, unknown>>, method: string, seed: number): string =>
  createHash('sha256').update(JSON.stringify({ numbers, method, seed })).digest('hex').slice(0, 16);

const orThrowProblems = <A>(what: string, e: E.Either<readonly CheckpointProblem[], A>): A => {
  if (E.isLeft(e)) throw new Error(`cannot resume ${what}:\n  ${e.left.map(formatCheckpointProblem).join('\n  ')}`);
  return e.right;
};

/** `fit`'s checkpoint file for run `name` (`<name>.safetensors`), and where it resumes: from its checkpoint, or from `base`. */
export const fitRunCheckpoint = (io: RunIo, name: string, shapes: Readonly<Record<string, Shape>>, key: string, base: Values): { start: Values; checkpointed: number; checkpoint?: FitCheckpointing; resume?: FitResume } => {
  if (!io.checkpointDir) return { start: base, checkpointed: 0 };
  mkdirSync(io.checkpointDir, { recursive: true });
  const file = join(io.checkpointDir, `${name}.safetensors`);
  const checkpoint = { file, config: key };
  if (!(io.resume && existsSync(file))) return { start: base, checkpointed: 0, checkpoint };
  const point = orThrowProblems(name, loadResumePoint(file, shapes, Object.keys(shapes), key));
  return { start: point.params, checkpointed: point.resume.epoch, checkpoint, resume: point.resume };
};

/** `scheduledFit`'s checkpoint folder for run `name` (last and best), and its resume point when it has one. */
export const scheduledRunCheckpoint = (io: RunIo, name: string, shapes: Readonly<Record<string, Shape>>, key: string): { checkpointed: number; checkpoint?: ScheduledCheckpointing; resume?: ScheduledResume } => {
  if (!io.checkpointDir) return { checkpointed: 0 };
  const dir = join(io.checkpointDir, name);
  mkdirSync(dir, { recursive: true });
  const checkpoint = { dir, config: key };
  if (!(io.resume && existsSync(join(dir, LAST)))) return { checkpointed: 0, checkpoint };
  const resume = orThrowProblems(name, loadScheduledResume(dir, shapes, key));
  return { checkpointed: resume.epoch, checkpoint, resume };
};

/**
 * The epochs a resumed run keeps from the attempt before (those its checkpoint covers, numbered from 1), the time they
 * took, and how many of them metrics.jsonl lacks; tells `io.onStart`. Without a checkpoint the run starts over.
 */
export const keptEpochs = (io: RunIo, checkpointed: number): { records: EpochRecord[]; secondsBefore: number; untimedEpochs: number } => {
  const records = (io.earlier ?? []).filter((r) => r.epoch <= checkpointed);
  io.onStart?.(checkpointed);
  return { records, secondsBefore: records.reduce((a, r) => a + r.seconds, 0), untimedEpochs: checkpointed - records.length };
};
