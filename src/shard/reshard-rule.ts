// FSDP's reshard_after_forward applies to FULL_SHARD only: the one rule the stepper and the CLI's checks share.
import type { SpecProblem } from '../optim/model-spec.js';
import type { ShardingStrategy } from './state/shard-state.js';

/** The problem with asking a strategy to reshard after forward, if any. */
export const reshardProblems = (strategy: ShardingStrategy, reshardAfterForward: boolean | undefined): SpecProblem[] =>
  reshardAfterForward === true && strategy !== 'FULL_SHARD' ? [{ path: 'reshardAfterForward', message: `${strategy} keeps whole parameters between steps, so there is nothing to reshard (only FULL_SHARD reshards after forward)` }] : [];
