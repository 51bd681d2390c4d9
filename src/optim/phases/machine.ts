// FTS's phase transitions as a pure function: (state, event) -> (state, actions); the training loop performs the actions.
import { improves } from './early-stopping.js';
import { phaseGroups } from './groups.js';
import type { PhaseAction, PhaseEvent, PhaseMachineConfig, PhaseProgress, PhaseState, PhaseStep } from './machine-types.js';

/** The deepest phase this run reaches: the last one, or max_depth when it cuts the schedule short. */
export const finalDepth = (config: PhaseMachineConfig): number =>
  config.maxDepth >= 0 ? Math.min(config.maxDepth, config.phases.length - 1) : config.phases.length - 1;

/** Every parameter thawed up to the current depth (thawing is cumulative). */
export const thawedParams = (state: PhaseState): string[] => state.config.phases.slice(0, state.progress.depth + 1).flatMap((p) => [...p.params]);

const groupsOf = (config: PhaseMachineConfig, k: number) => {
  const p = config.phases[k];
  return phaseGroups(k, p.params, k === 0 ? undefined : (p.lr ?? config.baseMaxLr), config.weightDecay);
};

/** add-groups then either extend-lr-scheduler or, where the phase asks for it, reinit-lr-scheduler. */
const groupActions = (config: PhaseMachineConfig, k: number): PhaseAction[] => {
  const groups = groupsOf(config, k);
  const scheduler = config.phases[k].newLrScheduler;
  return [
    { kind: 'add-groups', phase: k, groups },
    scheduler ? { kind: 'reinit-lr-scheduler', phase: k, init: scheduler } : { kind: 'extend-lr-scheduler', phase: k, baseLrs: groups.map((g) => g.lr ?? config.baseMaxLr) },
  ];
};

const stop = (state: PhaseState, cause: NonNullable<PhaseProgress['stopped']>['cause'], reason: string): PhaseStep => ({
  state: { ...state, progress: { ...state.progress, stopped: { cause, reason } } },
  actions: [{ kind: 'stop', cause, reason }],
});

/** Thaw phase 0 with the optimizer's own lr; raise max epochs to the final phase's max_transition_epoch. */
export const initial = (config: PhaseMachineConfig): PhaseStep => {
  const last = finalDepth(config);
  const base: PhaseState = { config, progress: { depth: 0, maxEpochs: config.maxEpochs, phaseDone: false, wait: 0 } };
  if (config.phases.length === 0) return stop(base, 'no-phases', 'the schedule has no phases');
  const finalEpoch = last === config.phases.length - 1 ? config.phases[last].maxTransitionEpoch : -1;
  const maxEpochs = Math.max(config.maxEpochs, finalEpoch);
  const raised: PhaseAction[] = maxEpochs > config.maxEpochs ? [{ kind: 'log', depth: 0, message: `max epochs raised from ${config.maxEpochs} to ${maxEpochs}, the final phase's max_transition_epoch` }] : [];
  const p0 = config.phases[0];
  return {
    state: { config, progress: { ...base.progress, maxEpochs } },
    actions: [...raised, { kind: 'thaw', phase: 0, params: p0.params }, { kind: 'add-groups', phase: 0, groups: groupsOf(config, 0) }, { kind: 'log', depth: 0, message: `phase 0 of ${last + 1}: thawed ${p0.params.length} parameter(s)` }],
  };
};

const onValidation = (state: PhaseState, epoch: number, metric: number): PhaseStep => {
  const { config, progress } = state;
  const es = config.earlyStopping;
  const best = improves(es.mode, metric, progress.best?.metric, 0) ? { metric, depth: progress.depth, epoch } : progress.best;
  if (config.epochTransitionsOnly) return { state: { config, progress: { ...progress, ...(best ? { best } : {}) } }, actions: [] };
  const better = improves(es.mode, metric, progress.esBest, es.minDelta);
  const wait = better ? 0 : progress.wait + 1;
  const esBest = better ? metric : progress.esBest;
  const next: PhaseState = { config, progress: { ...progress, wait, ...(esBest === undefined ? {} : { esBest }), ...(best ? { best } : {}) } };
  if (wait < es.patience || progress.phaseDone) return { state: next, actions: [] };
  const last = finalDepth(config);
  if (progress.depth === last) {
    const cut = last < config.phases.length - 1 ? ` (max_depth ${config.maxDepth} reached)` : '';
    return stop(next, 'early-stopping', `early stopping in final phase ${last}${cut}: no improvement in ${wait} validation(s)`);
  }
  return { state: { config, progress: { ...next.progress, phaseDone: true } }, actions: [{ kind: 'log', depth: progress.depth, message: `early stopping: phase ${progress.depth} is done after ${wait} validation(s) without improvement` }] };
};

const transition = (state: PhaseState, why: string): PhaseStep => {
  const { config, progress } = state;
  const depth = progress.depth + 1;
  const best = config.restoreBest ? progress.best : undefined;
  // restoring rolls the optimizer back to the best checkpoint's groups; re-add those of the phases thawed since
  const resync = best ? Array.from({ length: depth - 1 - best.depth }, (_, i) => best.depth + 1 + i) : [];
  const phase = config.phases[depth];
  const actions: PhaseAction[] = [
    ...(best ? [{ kind: 'restore-best' as const, depth: best.depth, epoch: best.epoch, metric: best.metric }] : []),
    ...(config.restoreBest && !best ? [{ kind: 'log' as const, depth: progress.depth, message: 'restore_best: no best checkpoint yet, nothing restored' }] : []),
    ...resync.flatMap((k) => groupActions(config, k)),
    { kind: 'thaw', phase: depth, params: phase.params },
    ...(phase.newOptimizer ? [{ kind: 'reinit-optimizer' as const, phase: depth, init: phase.newOptimizer }] : []),
    ...groupActions(config, depth),
    { kind: 'log', depth, message: `phase ${depth} of ${finalDepth(config) + 1}: thawed ${phase.params.length} parameter(s) (${why})` },
  ];
  return { state: { config, progress: { ...progress, depth, phaseDone: false, wait: 0 } }, actions };
};

const onEpochStart = (state: PhaseState, epoch: number): PhaseStep => {
  const { config, progress } = state;
  if (epoch >= progress.maxEpochs) return stop(state, 'max-epochs', `max epochs ${progress.maxEpochs} reached`);
  const mte = config.phases[progress.depth].maxTransitionEpoch;
  const byEpoch = progress.depth < config.phases.length - 1 && mte >= 0 && mte <= epoch;
  const byEarlyStopping = !config.epochTransitionsOnly && progress.phaseDone;
  if (!byEpoch && !byEarlyStopping) return { state, actions: [] };
  if (progress.depth === finalDepth(config))
    return stop(state, 'max-depth', `max_depth ${config.maxDepth} reached: phase ${progress.depth} was the last to run of ${config.phases.length}`);
  return transition(state, byEarlyStopping ? 'early stopping said the phase was done' : `max_transition_epoch ${mte} reached with ${epoch} epoch${epoch === 1 ? '' : 's'} done`);
};

/** One event in, the next state and what the loop must do; a stopped machine ignores events. */
export const step = (state: PhaseState, event: PhaseEvent): PhaseStep => {
  if (state.progress.stopped) return { state, actions: [] };
  return event.kind === 'epoch-start' ? onEpochStart(state, event.epoch) : onValidation(state, event.epoch, event.metric);
};
