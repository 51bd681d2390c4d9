// What a trainer does with the phase machine's actions, shared by the unsharded and the sharded scheduled fits:
// the groups to train, the thaws seen, why to stop; restoring the best state is left to the caller, which holds it.
import type { Transform } from '../optim/index.js';
import { partition } from '../optim/index.js';
import type { ParamGroup, PhaseAction, PhaseStep } from '../optim/phases/index.js';

export interface PhaseBook {
  readonly groups: readonly ParamGroup[];
  /** Each thaw after phase 0, with the epochs completed when it happened. */
  readonly transitions: ReadonlyArray<{ readonly epoch: number; readonly depth: number }>;
  readonly stopReason?: string;
}

export interface Performed {
  readonly book: PhaseBook;
  /** The groups changed: the step must be rebuilt before training. */
  readonly dirty: boolean;
  /** Roll parameters and optimizer state back to the best snapshot (only asked for when the caller has one). */
  readonly restoreBest: boolean;
}

const label = (g: ParamGroup) => `phase${g.phase}_${g.weightDecay}`;

/** One optimizer over every group, each with its own lr and weight decay. */
export const groupsTransform = (groups: readonly ParamGroup[], groupTransform: (lr: number | undefined, decay: boolean) => Transform<any>): Transform<any> =>
  partition(Object.fromEntries(groups.map((g) => [label(g), groupTransform(g.lr, g.weightDecay === 'decay')])), (n) => label(groups.find((g) => g.params.includes(n))!));

/** Every parameter the groups train, in group order (the order an unsharded run lists them). */
export const groupParams = (groups: readonly ParamGroup[]): string[] => groups.flatMap((g) => [...g.params]);

// the machine counts epochs from 0 (max_transition_epoch's convention); people read them from 1
export const performActions = (book: PhaseBook, s: PhaseStep, epoch: number, when: 'before' | 'after', hasBest: boolean, log?: (line: string) => void): Performed => {
  const at = `${when} epoch ${epoch + 1}`;
  let { groups, transitions, stopReason } = book;
  let dirty = false;
  let restoreBest = false;
  for (const a of s.actions as readonly PhaseAction[]) {
    if (a.kind === 'restore-best' && hasBest) {
      restoreBest = true;
      groups = groups.filter((g) => g.phase <= a.depth);
      dirty = true;
      log?.(`${at}: restored the best checkpoint (epoch ${a.epoch + 1}, depth ${a.depth}, validation loss ${a.metric.toFixed(4)})`);
    } else if (a.kind === 'add-groups') {
      groups = [...groups.filter((g) => g.phase !== a.phase), ...a.groups];
      dirty = true;
    } else if (a.kind === 'thaw' && a.phase > 0) {
      transitions = [...transitions, { epoch, depth: a.phase }];
    } else if (a.kind === 'log') {
      log?.(`${at}: ${a.message}`);
    } else if (a.kind === 'stop') {
      stopReason = a.reason;
    }
  }
  return { book: { groups, transitions, ...(stopReason === undefined ? {} : { stopReason }) }, dirty, restoreBest };
};
