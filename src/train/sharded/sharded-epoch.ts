// One epoch of sharded steps: fit's seeded batches, each cut into M micro-batches of which this rank computes M / W.
import * as E from 'fp-ts/lib/Either.js';
import { randomKey } from '../../dsl/index.js';
import type { Collectives, ShardState, ShardedStepper } from '../../shard/index.js';
import { batches, permutation } from '../data/shuffle.js';
import type { Examples } from '../fit.js';
import { rows } from '../fit.js';

export interface EpochPlan {
  readonly batchSize: number;
  /** Micro-batches per step over all ranks. */
  readonly microBatches: number;
  readonly seed: number;
  /** Features per example row. */
  readonly width: number;
  /** After each step: its number (from 1) and its mean loss. */
  readonly onStep?: (step: number, loss: number) => void;
}

export interface EpochOutcome {
  readonly state: ShardState;
  readonly loss: number;
  readonly accuracy: number;
  /** Every step's mean loss, in order. */
  readonly losses: number[];
}

/** The key a micro-batch's dropout draws from: step-major, so M = 1 uses fit's per-step key. */
export const microBatchKey = (seed: number, completedSteps: number, microBatches: number, m: number): number => randomKey(seed, (completedSteps * microBatches + m + 1) % 2 ** 24);

export const shardedEpoch = async (c: Collectives, stepper: ShardedStepper, s0: ShardState, train: Examples, epoch: number, plan: EpochPlan): Promise<E.Either<string, EpochOutcome>> => {
  const { batchSize: B, microBatches: M } = plan;
  const mine = Array.from({ length: M / c.size }, (_, i) => c.rank * (M / c.size) + i);
  const bs = batches(permutation(train.count, plan.seed, epoch), B, true);
  let s = s0;
  let loss = 0;
  let accuracy = 0;
  const losses: number[] = [];
  for (const b of bs) {
    const micro = mine.map((m) => {
      const { x, y } = rows(train, b.subarray((m * B) / M, ((m + 1) * B) / M), plan.width);
      return { x, y: Float32Array.from(y), key: Float32Array.of(microBatchKey(plan.seed, s.step, M, m)) };
    });
    const out = await stepper.step(s, micro);
    if (E.isLeft(out)) return out;
    s = out.right.state;
    loss += out.right.metrics.loss;
    accuracy += out.right.metrics.accuracy ?? 0;
    losses.push(out.right.metrics.loss);
    plan.onStep?.(s.step, out.right.metrics.loss);
  }
  return E.right({ state: s, loss: loss / bs.length, accuracy: accuracy / bs.length, losses });
};
