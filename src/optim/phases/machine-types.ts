// The phase state machine's configuration, events, actions and state, as plain data.
import type { ParamGroup, WeightDecaySplit } from './groups.js';
import type { LrSchedulerReinit, OptimizerReinit } from './schedule.js';
import type { ResolvedPhase } from './validate.js';

export interface EarlyStoppingConfig {
  /** Whether a lower ('min') or higher ('max') monitored metric is better; also defines the best checkpoint. */
  readonly mode: 'min' | 'max';
  /** Validations without improvement before the phase (or, in the final phase, training) is done. */
  readonly patience: number;
  /** An early-stopping improvement must beat the best by more than this. */
  readonly minDelta: number;
}

export interface PhaseMachineConfig {
  readonly phases: ReadonlyArray<Pick<ResolvedPhase, 'params' | 'maxTransitionEpoch' | 'lr' | 'newOptimizer' | 'newLrScheduler'>>;
  /** -1: run every phase; else stop after phase `maxDepth`. */
  readonly maxDepth: number;
  readonly epochTransitionsOnly: boolean;
  readonly restoreBest: boolean;
  readonly baseMaxLr: number;
  /** Patience is not used with epochTransitionsOnly; mode still defines the best checkpoint. */
  readonly earlyStopping: EarlyStoppingConfig;
  readonly maxEpochs: number;
  readonly weightDecay?: WeightDecaySplit;
}

export type PhaseEvent = { readonly kind: 'epoch-start'; readonly epoch: number } | { readonly kind: 'validation'; readonly epoch: number; readonly metric: number };

export type StopCause = 'early-stopping' | 'max-depth' | 'max-epochs' | 'no-phases';

export type PhaseAction =
  | { readonly kind: 'restore-best'; readonly depth: number; readonly epoch: number; readonly metric: number }
  | { readonly kind: 'thaw'; readonly phase: number; readonly params: readonly string[] }
  /** Build a fresh optimizer from `init` over the groups it has now; add-groups follows. */
  | { readonly kind: 'reinit-optimizer'; readonly phase: number; readonly init: OptimizerReinit }
  | { readonly kind: 'add-groups'; readonly phase: number; readonly groups: readonly ParamGroup[] }
  /** One base lr per group just added, in the same order. */
  | { readonly kind: 'extend-lr-scheduler'; readonly phase: number; readonly baseLrs: readonly number[] }
  /** Build a fresh lr scheduler from `init` over every group; replaces extend-lr-scheduler for this phase. */
  | { readonly kind: 'reinit-lr-scheduler'; readonly phase: number; readonly init: LrSchedulerReinit }
  | { readonly kind: 'stop'; readonly cause: StopCause; readonly reason: string }
  | { readonly kind: 'log'; readonly depth: number; readonly message: string };

/** What a checkpoint of the schedule keeps: plain data, no functions. */
export interface PhaseProgress {
  readonly depth: number;
  /** max_epochs after raising it to the final phase's max_transition_epoch. */
  readonly maxEpochs: number;
  /** Early stopping said the current (non-final) phase is done; it ends at the next epoch start. */
  readonly phaseDone: boolean;
  /** Early-stopping counter and its best score (improvement measured with minDelta). */
  readonly wait: number;
  readonly esBest?: number;
  /** The best checkpoint so far: its metric, the depth it was taken at and its epoch. */
  readonly best?: { readonly metric: number; readonly depth: number; readonly epoch: number };
  readonly stopped?: { readonly cause: StopCause; readonly reason: string };
}

export interface PhaseState {
  readonly config: PhaseMachineConfig;
  readonly progress: PhaseProgress;
}

export interface PhaseStep {
  readonly state: PhaseState;
  readonly actions: readonly PhaseAction[];
}
