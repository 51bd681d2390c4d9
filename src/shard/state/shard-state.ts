// Shard state as a value: which units there are, how they lie over the ranks, and this rank's tensors of them.
import * as E from 'fp-ts/lib/Either.js';
import type { SpecProblem } from '../../optim/model-spec.js';
import type { Shapes, Unit } from '../units.js';
import type { UnitLayout } from '../layout.js';
import { shardLayout } from '../layout.js';
import type { Values } from './flat-unit.js';

/** FSDP's strategies: params, grads and optimizer state sharded (ZeRO-3); grads and state only (ZeRO-2); nothing (data parallel). */
export type ShardingStrategy = 'FULL_SHARD' | 'SHARD_GRAD_OP' | 'NO_SHARD';
export const STRATEGIES: readonly ShardingStrategy[] = ['FULL_SHARD', 'SHARD_GRAD_OP', 'NO_SHARD'];

export interface ShardState {
  readonly strategy: ShardingStrategy;
  readonly rank: number;
  readonly size: number;
  /** Completed steps. */
  readonly step: number;
  /** Every non-empty unit's layout over the ranks that own optimizer pieces: all W, or one for NO_SHARD. */
  readonly layouts: readonly UnitLayout[];
  /** Units none of whose parameters train: no gradients move for them and they have no optimizer state. */
  readonly frozen: readonly string[];
  /** Per unit: this rank's chunk (FULL_SHARD) or the whole zero-padded flat buffer (SHARD_GRAD_OP, NO_SHARD). */
  readonly params: Values;
  /** Optimizer state over this rank's pieces of the trainable units, by leaf path (`0/mu/<param>`); scalars replicated. */
  readonly opt: Values;
}

/** The rank whose pieces this rank optimises: its own, or rank 0's (everything) when nothing is sharded. */
export const ownerRank = (s: Pick<ShardState, 'strategy' | 'rank'>): number => (s.strategy === 'NO_SHARD' ? 0 : s.rank);

/** The layouts a strategy uses: W ranks, or one rank holding everything for NO_SHARD; empty units dropped. */
export const strategyLayouts = (units: readonly Unit[], shapes: Shapes, strategy: ShardingStrategy, size: number): E.Either<SpecProblem[], UnitLayout[]> =>
  E.map((ls: UnitLayout[]) => ls.filter((l) => l.numel > 0))(shardLayout(units, shapes, strategy === 'NO_SHARD' ? 1 : size));

/**
 * Units that train and units that stay frozen; a unit that mixes both is refused, since a flat buffer trains or freezes
 * whole (FSDP's restriction; Child-Tuning masks are the way to train part of one).
 */
export const trainableUnits = (units: readonly Unit[], trainable: readonly string[]): E.Either<SpecProblem[], { trainable: string[]; frozen: string[] }> => {
  const train = new Set(trainable);
  const known = new Set(units.flatMap((u) => u.params));
  const problems: SpecProblem[] = [
    ...trainable.filter((n) => !known.has(n)).map((n) => ({ path: `trainable.${n}`, message: `'${n}' is not a parameter of the model` })),
    ...units
      .filter((u) => u.params.some((p) => train.has(p)) && !u.params.every((p) => train.has(p)))
      .map((u) => ({ path: `units.${u.name || '(root)'}`, message: `unit '${u.name || '(root)'}' mixes trainable (${u.params.filter((p) => train.has(p)).join(', ')}) and frozen (${u.params.filter((p) => !train.has(p)).join(', ')}) parameters: a flat unit trains or freezes whole (wrap them apart, or use Child-Tuning masks)` })),
  ];
  if (problems.length) return E.left(problems);
  const nonEmpty = units.filter((u) => u.size > 0);
  return E.right({ trainable: nonEmpty.filter((u) => u.params.every((p) => train.has(p))).map((u) => u.name), frozen: nonEmpty.filter((u) => !u.params.every((p) => train.has(p))).map((u) => u.name) });
};
