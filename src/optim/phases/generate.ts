// FTS's implicit schedule: output layers first, two parameters per phase, so a user can start without writing one.
import type { ModelSpec } from '../model-spec.js';
import type { Phase, Schedule } from './schedule.js';
import { NO_MAX_TRANSITION_EPOCH } from './schedule.js';

export const DEFAULT_BASE_MAX_LR = 1e-5;

/**
 * Reverse the named parameters and take them two at a time; with an odd count the last phase holds the model's
 * first parameter alone (FTS gen_ft_schedule). Phase 0 keeps the configured optimizer's lr; later phases get baseMaxLr.
 */
export const generateSchedule = (spec: ModelSpec, options: { readonly baseMaxLr?: number } = {}): Schedule => {
  const lr = options.baseMaxLr ?? DEFAULT_BASE_MAX_LR;
  const reversed = spec.parameters.map((p) => p.name).reverse();
  const phases: Phase[] = [];
  for (let i = 0; i < reversed.length; i += 2) {
    const params = reversed.slice(i, i + 2);
    phases.push(phases.length === 0 ? { params, max_transition_epoch: NO_MAX_TRANSITION_EPOCH } : { params, max_transition_epoch: NO_MAX_TRANSITION_EPOCH, lr });
  }
  return phases;
};
