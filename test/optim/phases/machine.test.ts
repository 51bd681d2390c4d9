import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { PhaseAction, PhaseEvent, PhaseMachineConfig, PhaseState } from '../../../src/optim/phases/index.js';
import { initial, step, thawedParams } from '../../../src/optim/phases/index.js';

const PHASES: PhaseMachineConfig['phases'] = [
  { params: ['head.w', 'head.b'], maxTransitionEpoch: 2 },
  { params: ['l1.w', 'l1.b'], maxTransitionEpoch: 4, lr: 1e-3 },
  { params: ['emb.w'], maxTransitionEpoch: -1 },
];

const config = (over: Partial<PhaseMachineConfig> = {}): PhaseMachineConfig => ({
  phases: PHASES, maxDepth: -1, epochTransitionsOnly: false, restoreBest: false, baseMaxLr: 1e-5,
  earlyStopping: { mode: 'min', patience: 2, minDelta: 0 }, maxEpochs: 20, ...over,
});

const start = (epoch: number): PhaseEvent => ({ kind: 'epoch-start', epoch });
const val = (epoch: number, metric: number): PhaseEvent => ({ kind: 'validation', epoch, metric });

/** Run events from the initial state; the actions of each event, and the final state. */
const run = (c: PhaseMachineConfig, events: readonly PhaseEvent[]) => {
  const first = initial(c);
  let state: PhaseState = first.state;
  const actions: PhaseAction[][] = [];
  for (const e of events) {
    const next = step(state, e);
    actions.push([...next.actions]);
    state = next.state;
  }
  return { first: first.actions, actions, state };
};
const kinds = (as: readonly PhaseAction[]) => as.map((a) => a.kind);
const stopOf = (as: readonly PhaseAction[]) => as.find((a) => a.kind === 'stop');

describe('phase machine: start and epoch transitions', () => {
  it('initial thaws phase 0 with the optimizer’s own lr and logs depth 0', () => {
    const { first, state } = run(config(), []);
    assert.deepEqual(first, [
      { kind: 'thaw', phase: 0, params: ['head.w', 'head.b'] },
      { kind: 'add-groups', phase: 0, groups: [{ phase: 0, params: ['head.w', 'head.b'], weightDecay: 'decay' }] },
      { kind: 'log', depth: 0, message: 'phase 0 of 3: thawed 2 parameter(s)' },
    ]);
    assert.deepEqual(state.progress, { depth: 0, maxEpochs: 20, phaseDone: false, wait: 0 });
  });

  it('transitions at the start of epoch max_transition_epoch, with the phase lr and the weight-decay split', () => {
    const { actions, state } = run(config({ weightDecay: [/\.b$/] }), [start(0), start(1), start(2), start(3), start(4)]);
    assert.deepEqual(actions.slice(0, 2), [[], []]);
    assert.deepEqual(actions[2], [
      { kind: 'thaw', phase: 1, params: ['l1.w', 'l1.b'] },
      { kind: 'add-groups', phase: 1, groups: [{ phase: 1, params: ['l1.w'], lr: 1e-3, weightDecay: 'decay' }, { phase: 1, params: ['l1.b'], lr: 1e-3, weightDecay: 'no_decay' }] },
      { kind: 'extend-lr-scheduler', phase: 1, baseLrs: [1e-3, 1e-3] },
      { kind: 'log', depth: 1, message: 'phase 1 of 3: thawed 2 parameter(s) (max_transition_epoch 2 reached with 2 epochs done)' },
    ]);
    // phase 2 has no lr: base_max_lr; all its parameters decay, so one group
    assert.deepEqual(actions[4].filter((a) => a.kind === 'add-groups' || a.kind === 'extend-lr-scheduler'), [
      { kind: 'add-groups', phase: 2, groups: [{ phase: 2, params: ['emb.w'], lr: 1e-5, weightDecay: 'decay' }] },
      { kind: 'extend-lr-scheduler', phase: 2, baseLrs: [1e-5] },
    ]);
    assert.equal(state.progress.depth, 2);
    assert.deepEqual(thawedParams(state), ['head.w', 'head.b', 'l1.w', 'l1.b', 'emb.w']);
  });

  it('a weight-decay function: two groups when both halves are non-empty', () => {
    const { first } = run(config({ weightDecay: (n) => (n.endsWith('.b') ? 'no_decay' : 'decay') }), []);
    assert.deepEqual(first.find((a) => a.kind === 'add-groups'), { kind: 'add-groups', phase: 0, groups: [{ phase: 0, params: ['head.w'], weightDecay: 'decay' }, { phase: 0, params: ['head.b'], weightDecay: 'no_decay' }] });
  });

  it('max epochs stops training; a stopped machine ignores events', () => {
    const { actions } = run(config({ maxEpochs: 2 }), [start(0), start(1), start(2), start(3), val(3, 0)]);
    assert.deepEqual(stopOf(actions[2]), { kind: 'stop', cause: 'max-epochs', reason: 'max epochs 2 reached' });
    assert.deepEqual(actions.slice(3), [[], []]);
  });
});

describe('phase machine: early stopping', () => {
  const untimed = PHASES.map((p) => ({ ...p, maxTransitionEpoch: -1 }));

  it('in a non-final phase it ends the phase at the next epoch start, and the counter resets', () => {
    const { actions, state } = run(config({ phases: untimed }), [start(0), val(0, 1), val(0, 1), val(0, 1), start(1), val(1, 1)]);
    assert.deepEqual(actions[2], []);
    assert.deepEqual(actions[3], [{ kind: 'log', depth: 0, message: 'early stopping: phase 0 is done after 2 validation(s) without improvement' }]);
    assert.deepEqual(kinds(actions[4]), ['thaw', 'add-groups', 'extend-lr-scheduler', 'log']);
    assert.match((actions[4][3] as { message: string }).message, /early stopping said the phase was done/);
    // counter reset at the transition; the best score is kept, so one more plateau counts 1
    assert.deepEqual([state.progress.depth, state.progress.wait, state.progress.phaseDone], [1, 1, false]);
  });

  it('in the final phase it ends training', () => {
    const events = [val(0, 1), val(0, 2), val(0, 2), start(1), val(1, 2), val(1, 2), start(2), val(2, 3), val(2, 3), val(2, 0.5)];
    const { actions, state } = run(config({ phases: untimed }), events);
    assert.deepEqual(stopOf(actions[8]), { kind: 'stop', cause: 'early-stopping', reason: 'early stopping in final phase 2: no improvement in 2 validation(s)' });
    assert.deepEqual(actions[9], []);
    assert.equal(state.progress.stopped?.cause, 'early-stopping');
  });

  it('min_delta and mode max: an improvement must beat the best by more than min_delta', () => {
    const c = config({ phases: untimed, earlyStopping: { mode: 'max', patience: 2, minDelta: 0.1 } });
    const { actions, state } = run(c, [val(0, 1), val(0, 1.05), val(0, 1.08)]);
    assert.deepEqual(kinds(actions[2]), ['log']);
    // the best checkpoint is any strict improvement: 1.08 at depth 0
    assert.deepEqual(state.progress.best, { metric: 1.08, depth: 0, epoch: 0 });
    assert.equal(state.progress.esBest, 1);
  });
});

describe('phase machine: options', () => {
  it('max_depth: stops when the cut phase would transition, or when early stopping ends it', () => {
    const byEpoch = run(config({ maxDepth: 1 }), [start(2), start(3), start(4)]);
    assert.deepEqual(kinds(byEpoch.actions[0]).includes('thaw'), true);
    assert.deepEqual(stopOf(byEpoch.actions[2]), { kind: 'stop', cause: 'max-depth', reason: 'max_depth 1 reached: phase 1 was the last to run of 3' });
    assert.equal(byEpoch.state.progress.depth, 1);
    const byEs = run(config({ maxDepth: 0 }), [val(0, 1), val(0, 1), val(0, 1)]);
    assert.equal((stopOf(byEs.actions[2]) as { reason: string }).reason, 'early stopping in final phase 0 (max_depth 0 reached): no improvement in 2 validation(s)');
    assert.match((byEs.first[2] as { message: string }).message, /phase 0 of 1/);
  });

  it('epoch_transitions_only: early stopping never ends a phase, only max_transition_epoch does', () => {
    const phases = PHASES.map((p, i) => ({ ...p, maxTransitionEpoch: [2, 4, 6][i] }));
    const { actions, state } = run(config({ phases, epochTransitionsOnly: true, maxEpochs: 3 }), [val(0, 1), val(0, 1), val(0, 1), start(1), start(2), start(4), start(5), start(6)]);
    assert.deepEqual(actions.slice(0, 4), [[], [], [], []]);
    assert.deepEqual([kinds(actions[4]).includes('thaw'), kinds(actions[5]).includes('thaw'), actions[6]], [true, true, []]);
    // max epochs 3 was raised to the final phase's max_transition_epoch 6
    assert.deepEqual(stopOf(actions[7]), { kind: 'stop', cause: 'max-epochs', reason: 'max epochs 6 reached' });
    assert.equal(state.progress.best?.metric, 1);
  });

  it('max epochs is raised to the final phase max_transition_epoch, and says so', () => {
    const phases = [...PHASES.slice(0, 2), { params: ['emb.w'], maxTransitionEpoch: 12 }];
    const { first, state } = run(config({ phases, maxEpochs: 10 }), []);
    assert.deepEqual(first[0], { kind: 'log', depth: 0, message: "max epochs raised from 10 to 12, the final phase's max_transition_epoch" });
    assert.equal(state.progress.maxEpochs, 12);
    assert.equal(initial(config({ phases, maxEpochs: 15 })).state.progress.maxEpochs, 15);
    assert.equal(initial(config({ phases, maxEpochs: 10, maxDepth: 1 })).state.progress.maxEpochs, 10);
  });

  it('restore_best: the best checkpoint is restored before the next phase thaws', () => {
    const { actions } = run(config({ restoreBest: true }), [val(0, 3), val(1, 2), val(1, 4), start(2)]);
    assert.deepEqual(kinds(actions[3]), ['restore-best', 'thaw', 'add-groups', 'extend-lr-scheduler', 'log']);
    assert.deepEqual(actions[3][0], { kind: 'restore-best', depth: 0, epoch: 1, metric: 2 });
  });

  it('restore_best from an earlier depth re-adds the groups of the phases thawed since', () => {
    const { actions } = run(config({ restoreBest: true }), [val(1, 1), start(2), val(2, 5), start(4)]);
    assert.deepEqual(actions[3].map((a) => `${a.kind}${'phase' in a ? a.phase : ''}${a.kind === 'restore-best' ? a.depth : ''}`), ['restore-best0', 'add-groups1', 'extend-lr-scheduler1', 'thaw2', 'add-groups2', 'extend-lr-scheduler2', 'log']);
  });

  it('restore_best with no validation yet restores nothing and says so', () => {
    const { actions } = run(config({ restoreBest: true }), [start(2)]);
    assert.deepEqual(actions[0][0], { kind: 'log', depth: 0, message: 'restore_best: no best checkpoint yet, nothing restored' });
  });

  it('a phase with new_optimizer / new_lr_scheduler re-initialises them around its groups', () => {
    const phases = [PHASES[0], { ...PHASES[1], newOptimizer: { optimizer_init: { class_path: 'torch.optim.SGD' } }, newLrScheduler: { lr_scheduler_init: { class_path: 'torch.optim.lr_scheduler.StepLR' }, init_pg_lrs: [1e-3] } }, PHASES[2]];
    const { actions } = run(config({ phases }), [start(2)]);
    assert.deepEqual(kinds(actions[0]), ['thaw', 'reinit-optimizer', 'add-groups', 'reinit-lr-scheduler', 'log']);
    assert.deepEqual(actions[0][1], { kind: 'reinit-optimizer', phase: 1, init: { optimizer_init: { class_path: 'torch.optim.SGD' } } });
  });

  it('no phases: stops at once', () => {
    assert.deepEqual(initial(config({ phases: [] })).actions, [{ kind: 'stop', cause: 'no-phases', reason: 'the schedule has no phases' }]);
  });
});
