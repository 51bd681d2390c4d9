// Phase state machine laws: parameters thaw once and stay thawed, depth moves one phase at a time, groups stay clean.
import fc from 'fast-check';
import type { PhaseAction, PhaseEvent, PhaseMachineConfig } from '../src/optim/phases/index.js';
import { finalDepth, initial, step, thawedParams, validateSchedule } from '../src/optim/phases/index.js';
import { arbScheduleCase } from './phases.js';

export interface PhaseRun {
  readonly config: PhaseMachineConfig;
  readonly events: readonly PhaseEvent[];
}

/** Epochs in order, each an epoch start and 0-2 validations; metrics on a small grid so plateaus and ties happen. */
export const arbPhaseEvents = (maxEpoch: number): fc.Arbitrary<PhaseEvent[]> =>
  fc.array(fc.array(fc.integer({ min: 0, max: 6 }), { maxLength: 2 }), { maxLength: maxEpoch }).map((epochs) =>
    epochs.flatMap((metrics, epoch) => [{ kind: 'epoch-start' as const, epoch }, ...metrics.map((m) => ({ kind: 'validation' as const, epoch, metric: m / 2 }))]),
  );

/** A machine configured from a generated valid schedule with random options, and an event sequence for it. */
export const arbPhaseRun: fc.Arbitrary<PhaseRun> = fc.boolean().chain((epochTransitionsOnly) =>
  fc
    .record({
      sc: arbScheduleCase({ epochTransitionsOnly }),
      maxDepth: fc.integer({ min: -1, max: 5 }),
      restoreBest: fc.boolean(),
      mode: fc.constantFrom<'min' | 'max'>('min', 'max'),
      patience: fc.integer({ min: 1, max: 3 }),
      minDelta: fc.constantFrom(0, 0.5),
      maxEpochs: fc.integer({ min: 1, max: 14 }),
      split: fc.constantFrom<'none' | 'patterns' | 'function'>('none', 'patterns', 'function'),
      events: arbPhaseEvents(16),
    })
    .map(({ sc, maxDepth, restoreBest, mode, patience, minDelta, maxEpochs, split, events }) => {
      const weightDecay = split === 'patterns' ? [/(^|\.)bias$/] : split === 'function' ? (n: string) => (/ln_|beta|gamma/.test(n) ? 'no_decay' as const : 'decay' as const) : undefined;
      const config: PhaseMachineConfig = {
        phases: validateSchedule(sc.schedule, sc.spec, { epochTransitionsOnly }).phases,
        maxDepth, epochTransitionsOnly, restoreBest, baseMaxLr: 1e-5, earlyStopping: { mode, patience, minDelta }, maxEpochs,
        ...(weightDecay ? { weightDecay } : {}),
      };
      return { config, events };
    }),
);

/** Every law the machine must keep along one run; empty when all hold. */
export const phaseMachineLaws = ({ config, events }: PhaseRun): string[] => {
  const problems: string[] = [];
  const thawed = new Set<string>();
  let groups: Array<{ phase: number; params: readonly string[] }> = [];
  let depth = -1;
  let stopped = false;
  const apply = (actions: readonly PhaseAction[], where: string) => {
    if (stopped && actions.length) problems.push(`${where}: actions after stop: ${JSON.stringify(actions)}`);
    const thaws = actions.filter((a) => a.kind === 'thaw');
    if (thaws.length > 1) problems.push(`${where}: ${thaws.length} phases thawed at once`);
    for (const a of actions) {
      if (a.kind === 'restore-best') {
        if (a.depth > depth) problems.push(`${where}: restore to depth ${a.depth} beyond the current ${depth}`);
        if (thaws.length === 0 || actions.indexOf(a) > actions.indexOf(thaws[0])) problems.push(`${where}: restore-best not before a thaw`);
        groups = groups.filter((g) => g.phase <= a.depth); // the checkpoint's optimizer holds the groups of its depth
      } else if (a.kind === 'thaw') {
        if (a.phase !== depth + 1) problems.push(`${where}: thawed phase ${a.phase} at depth ${depth}`);
        depth = a.phase;
        for (const p of a.params) {
          if (thawed.has(p)) problems.push(`${where}: '${p}' thawed twice`);
          thawed.add(p);
        }
      } else if (a.kind === 'add-groups') {
        for (const g of a.groups) {
          const seen = new Set(groups.flatMap((x) => x.params));
          for (const p of g.params) {
            if (!thawed.has(p)) problems.push(`${where}: frozen '${p}' added to an optimizer group`);
            if (seen.has(p)) problems.push(`${where}: '${p}' in two optimizer groups`);
          }
          groups.push(g);
        }
      } else if (a.kind === 'stop') stopped = true;
    }
    if (thaws.length && !actions.some((a) => a.kind === 'log' && a.depth === depth)) problems.push(`${where}: no log of depth ${depth}`);
  };
  const first = initial(config);
  apply(first.actions, 'initial');
  let state = first.state;
  for (const [i, e] of events.entries()) {
    const before = state.progress.depth;
    const next = step(state, e);
    apply(next.actions, `event ${i} ${JSON.stringify(e)}`);
    const after = next.state.progress.depth;
    if (after !== before && after !== before + 1) problems.push(`event ${i}: depth ${before} -> ${after}`);
    if (after !== depth && !stopped) problems.push(`event ${i}: state depth ${after} but thawed up to ${depth}`);
    if (after > finalDepth(config)) problems.push(`event ${i}: depth ${after} beyond the final depth ${finalDepth(config)}`);
    if (e.kind === 'epoch-start' && e.epoch >= next.state.progress.maxEpochs && !stopped) problems.push(`event ${i}: epoch ${e.epoch} started past max epochs`);
    const claimed = thawedParams(next.state);
    if (claimed.length !== thawed.size || claimed.some((p) => !thawed.has(p))) problems.push(`event ${i}: state says thawed ${JSON.stringify(claimed)}, actions thawed ${JSON.stringify([...thawed])}`);
    state = next.state;
    if (problems.length > 5) break;
  }
  return problems;
};
