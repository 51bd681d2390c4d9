// The optimizer parameter groups a phase adds: its lr, and a weights / no-decay split (biases and norms decay 0).
import { decayGroups } from '../decay-groups.js';

/** Which parameters skip weight decay: a function of the name, or no-decay name patterns (see DEFAULT_NO_DECAY). */
export type WeightDecaySplit = ((name: string) => 'decay' | 'no_decay') | ReadonlyArray<string | RegExp>;

export interface ParamGroup {
  readonly phase: number;
  readonly params: readonly string[];
  /** Absent for phase 0: its groups use the lr of the optimizer the user configured. */
  readonly lr?: number;
  readonly weightDecay: 'decay' | 'no_decay';
}

/** Two groups when both halves of the split are non-empty, one otherwise (none for an empty phase). */
export const phaseGroups = (phase: number, params: readonly string[], lr: number | undefined, split?: WeightDecaySplit): ParamGroup[] => {
  const halves =
    split === undefined ? { decay: params, noDecay: [] } : decayGroups(params, typeof split === 'function' ? (n: string) => split(n) === 'no_decay' : split);
  const withLr = lr === undefined ? {} : { lr };
  return [
    ...(halves.decay.length ? [{ phase, params: halves.decay, ...withLr, weightDecay: 'decay' as const }] : []),
    ...(halves.noDecay.length ? [{ phase, params: halves.noDecay, ...withLr, weightDecay: 'no_decay' as const }] : []),
  ];
};
