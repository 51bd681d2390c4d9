// The best state of a scheduled sharded run (what restore-best rolls back to): every rank holds it whole, so rank 0
// writes it as one file beside the sharded set, named by its epoch, and the set's index names it with its checksum.
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import type { Shape } from '../../dsl/index.js';
import type { FullState } from '../../shard/index.js';
import { formatCheckpointProblem, loadCheckpoint, saveCheckpoint } from '../checkpoint/index.js';
import { expectationProblems } from '../checkpoint/tensors.js';
import { inFile } from '../checkpoint/problem.js';
import type { ScheduledProgress } from '../scheduled-checkpoint.js';
import { phaseMeta } from '../scheduled-checkpoint.js';
import type { ScheduleRecord, ShardIndex } from './sharded-checkpoint.js';
import { INDEX_FILE, bestFile } from './sharded-checkpoint.js';

export interface BestMeta {
  readonly seed: number;
  readonly config: string;
  readonly progress: ScheduledProgress;
}

/** Rank 0 writes `best` (the state after `epochsDone` epochs) atomically; what the index records of it. */
export const saveBestState = (dir: string, best: FullState, epochsDone: number, meta: BestMeta, shapes: Readonly<Record<string, Shape>>): E.Either<string, NonNullable<ScheduleRecord['best']>> => {
  const file = bestFile(epochsDone);
  const saved = saveCheckpoint(join(dir, file), {
    params: best.params,
    optState: best.opt,
    meta: { step: best.step, epoch: epochsDone, ...phaseMeta(meta.progress), generator: { seed: meta.seed, step: best.step }, config: meta.config },
    shapes: { params: shapes },
  });
  return E.isLeft(saved) ? E.left(`best state not written:\n  ${saved.left.map(formatCheckpointProblem).join('\n  ')}`) : E.right({ file, checksum: saved.right.checksum });
};

/** The best state the index names (undefined while the machine has none), or every problem with it. */
export const loadBestState = (dir: string, index: ShardIndex, shapes: Readonly<Record<string, Shape>>): E.Either<string[], FullState | undefined> => {
  const best = index.schedule?.progress.machine.best;
  const record = index.schedule?.best;
  const where = join(dir, INDEX_FILE);
  if (!best) return record ? E.left([`${where}: schedule.best: names ${record.file}, but the phase machine has no best state`]) : E.right(undefined);
  if (!record) return E.left([`${where}: schedule.best: missing, but the phase machine's best is the state after epoch ${best.epoch + 1}`]);
  const path = join(dir, record.file);
  // read without expectations first, so a file that is not the best state says which one it is besides its tensors
  const loaded = loadCheckpoint(path);
  if (E.isLeft(loaded)) return E.left(loaded.left.map(formatCheckpointProblem));
  const m = loaded.right.meta;
  const problems = [
    ...expectationProblems(loaded.right.shapes, { params: shapes }).map((p) => formatCheckpointProblem(inFile(path)(p))),
    ...(loaded.right.checksum === record.checksum ? [] : [`${path}: checksum ${loaded.right.checksum}, but the index recorded ${record.checksum}: the file was replaced`]),
    ...(m.epoch === best.epoch + 1 ? [] : [`${path}: holds the state after epoch ${m.epoch}, but the phase machine's best is after epoch ${best.epoch + 1}`]),
    ...(m.config === index.config ? [] : [`${path}: config ${m.config}, but the index says ${index.config}`]),
  ];
  return problems.length ? E.left(problems) : E.right({ params: loaded.right.params, opt: loaded.right.optState, step: m.step });
};
