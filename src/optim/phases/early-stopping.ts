// Early stopping as a pure step over validation metrics: the rule the phase machine and the plain trainer share.
import type { EarlyStoppingConfig } from './machine-types.js';

/** Does `metric` beat `best` by more than `delta`? The first finite metric always does; a NaN or infinite one never. */
export const improves = (mode: 'min' | 'max', metric: number, best: number | undefined, delta: number): boolean =>
  !Number.isFinite(metric) ? false : best === undefined ? true : mode === 'min' ? metric < best - delta : metric > best + delta;

/** The best metric so far and the validations since it improved: plain data, kept in checkpoints. */
export interface EarlyStoppingState {
  readonly best?: number;
  readonly wait: number;
}

export const earlyStoppingStart: EarlyStoppingState = { wait: 0 };

/** One validation: the new state, and whether `patience` validations have now passed without improvement. */
export const earlyStoppingStep = (config: EarlyStoppingConfig, s: EarlyStoppingState, metric: number): { readonly state: EarlyStoppingState; readonly stop: boolean } => {
  const better = improves(config.mode, metric, s.best, config.minDelta);
  const best = better ? metric : s.best;
  const wait = better ? 0 : s.wait + 1;
  return { state: { wait, ...(best === undefined ? {} : { best }) }, stop: wait >= config.patience };
};
