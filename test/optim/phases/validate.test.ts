import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as E from 'fp-ts/lib/Either.js';
import { checkSchedule, describeExplain, validateSchedule } from '../../../src/optim/phases/index.js';
import { GPT, parsed } from './fixtures.js';

const check = (text: string, epochTransitionsOnly = false) => validateSchedule(parsed(text), GPT, { epochTransitionsOnly });
const brief = (ps: ReadonlyArray<{ code: string; path: string; phase?: number; entry?: string }>) => ps.map(({ code, path, phase, entry }) => ({ code, path, phase, entry }));

describe('validateSchedule: errors name the phase and the entry', () => {
  it('an entry that matches no parameter, with a hint when it only occurs inside names', () => {
    const c = check('0: {params: [head.weight, attn]}\n1: {params: [decoder]}\n');
    assert.deepEqual(brief(c.errors), [
      { code: 'no-match', path: '0.params[1]', phase: 0, entry: 'attn' },
      { code: 'no-match', path: '1.params[0]', phase: 1, entry: 'decoder' },
    ]);
    assert.equal(c.errors[0].message, "entry 'attn' of phase 0 matches no parameter (tried as an exact name, then as a regex at the start of each name); it occurs inside 'h.0.attn.weight', 'h.0.attn.bias', 'h.1.attn.weight' and 1 more, but entries match from the start of a name");
    assert.doesNotMatch(c.errors[1].message, /occurs inside/);
  });

  it('a parameter named by two phases lists both phases and the entries that matched it', () => {
    const c = check('0: {params: [head.weight, "h\\\\.1\\\\."]}\n1: {params: [h.1.attn.bias, ln_f.weight]}\n2: {params: ["h\\\\.1\\\\.attn\\\\.weight", h\\.1]}\n');
    assert.deepEqual(brief(c.errors), [
      { code: 'multi-phase', path: '1.params[0]', phase: 1, entry: 'h.1.attn.bias' },
      { code: 'multi-phase', path: '2.params[0]', phase: 2, entry: 'h\\.1\\.attn\\.weight' },
    ]);
    assert.equal(c.errors[0].message, "parameter 'h.1.attn.bias' is named by phase 0 ('h\\.1\\.'), phase 1 ('h.1.attn.bias') and phase 2 ('h\\.1'); a parameter may be thawed by one phase only");
    assert.equal(c.errors[1].message, "parameter 'h.1.attn.weight' is named by phase 0 ('h\\.1\\.') and phase 2 ('h\\.1\\.attn\\.weight', 'h\\.1'); a parameter may be thawed by one phase only");
    // the first phase keeps a contested parameter
    assert.equal(c.assignment['h.1.attn.bias'], 0);
    assert.deepEqual(c.phases[1].params, ['ln_f.weight']);
  });

  it('one error for many parameters claimed by the same entries', () => {
    const c = check('0: {params: ["h\\\\."]}\n1: {params: [h]}\n');
    assert.equal(c.errors.length, 1);
    assert.match(c.errors[0].message, /^5 parameters 'h.0.attn.weight', 'h.0.attn.bias', 'h.0.ln_1.weight', 'h.1.attn.weight', 'h.1.attn.bias' are named by phase 0 \('h\\.'\) and phase 1 \('h'\)/);
  });

  it('epoch_transitions_only needs max_transition_epoch on every phase', () => {
    const text = '0: {params: [head.weight], max_transition_epoch: 2}\n1: {params: [ln_f.weight]}\n2: {params: [wte.weight], max_transition_epoch: -1}\n';
    assert.deepEqual(check(text).errors, []);
    const c = check(text, true);
    assert.deepEqual(brief(c.errors), [
      { code: 'needs-max-transition-epoch', path: '1.max_transition_epoch', phase: 1, entry: undefined },
      { code: 'needs-max-transition-epoch', path: '2.max_transition_epoch', phase: 2, entry: undefined },
    ]);
    assert.match(c.errors[0].message, /phase 1 has no max_transition_epoch \(>= 0\), which epoch_transitions_only needs/);
  });

  it('an invalid regex (that is not an exact name either)', () => {
    const c = check('0: {params: [head.weight, "h.(0", "a)|(b", "(?P<x>h)"]}\n');
    assert.deepEqual(brief(c.errors).map((e) => [e.code, e.entry]), [['invalid-regex', 'h.(0'], ['invalid-regex', 'a)|(b'], ['invalid-regex', '(?P<x>h)']]);
    assert.match(c.errors[0].message, /entry 'h.\(0' of phase 0 is not a parameter name and not a valid regular expression: .*Unterminated group/);
  });

  it('checkSchedule: Left with the errors, Right with the check', () => {
    assert.ok(E.isLeft(checkSchedule(parsed('0: {params: [nope]}'), GPT)));
    assert.ok(E.isRight(checkSchedule(parsed('0: {params: [head.weight]}'), GPT)));
  });
});

describe('validateSchedule: notices are not errors', () => {
  it('non-increasing max_transition_epoch, prefix-only matches, lr on phase 0, unscheduled parameters', () => {
    const c = check(`0: {params: [head.weight], max_transition_epoch: 3, lr: 0.1}
1: {params: [ln_f.weight], max_transition_epoch: 3}
2: {params: ["h\\\\.1"], max_transition_epoch: 1}
3: {params: ["h\\\\.0\\\\.attn\\\\.(weight|bias)$"], max_transition_epoch: 5}
`);
    assert.deepEqual(c.errors, []);
    // FTS warns (fts_supporters.py:920 `if self.ft_schedule[depth].get("lr", None):`); the others are information
    assert.deepEqual(brief(c.warnings), [{ code: 'lr-ignored', path: '0.lr', phase: 0, entry: undefined }]);
    assert.equal(c.warnings[0].message, 'lr 0.1 on phase 0 is ignored: phase 0 uses the optimizer you configured');
    assert.deepEqual(brief(c.notices), [
      { code: 'non-increasing-epoch', path: '1.max_transition_epoch', phase: 1, entry: undefined },
      { code: 'non-increasing-epoch', path: '2.max_transition_epoch', phase: 2, entry: undefined },
      { code: 'prefix-match', path: '2.params[0]', phase: 2, entry: 'h\\.1' },
      { code: 'unscheduled', path: '(root)', phase: undefined, entry: undefined },
    ]);
    const m = c.notices.map((n) => n.message);
    assert.equal(m[0], "max_transition_epoch 3 of phase 1 is not greater than phase 0's (3): phase 1 may run a single epoch");
    assert.equal(m[2], "regex entry 'h\\.1' of phase 2 matches 2 parameter(s) only at the start of the name, not the whole name: 'h.1.attn.weight', 'h.1.attn.bias'");
    assert.equal(m[3], "2 parameter(s) appear in no phase and stay frozen: 'wte.weight', 'h.0.ln_1.weight'");
  });

  // FTS compares with the highest earlier max_transition_epoch (fts_supporters.py:615, `max_epoch_wm`), so a phase
  // without one between two timed phases does not hide the second; graft counts phase 0's epoch too, FTS does not
  it('an epoch of -1 between timed phases: compared with the highest earlier epoch, phase 0 included', () => {
    const c = check('0: {params: [head.weight], max_transition_epoch: 3}\n1: {params: [ln_f.weight]}\n2: {params: [wte.weight], max_transition_epoch: 2}\n3: {params: ["h\\\\.0"], max_transition_epoch: 4}\n');
    const epochs = c.notices.filter((n) => n.code === 'non-increasing-epoch');
    assert.deepEqual(epochs.map((n) => [n.path, n.message]), [['2.max_transition_epoch', "max_transition_epoch 2 of phase 2 is not greater than phase 0's (3): phase 2 may run a single epoch"]]);
    const fts = check('0: {params: [head.weight]}\n1: {params: [ln_f.weight], max_transition_epoch: 5}\n2: {params: [wte.weight]}\n3: {params: ["h\\\\.0"], max_transition_epoch: 5}\n');
    assert.deepEqual(fts.notices.filter((n) => n.code === 'non-increasing-epoch').map((n) => n.path), ['3.max_transition_epoch']);
  });
});

// FTS's warnings about new_lr_scheduler, speediedan/finetuning-scheduler@ceae3f0 src/finetuning_scheduler/fts_supporters.py
describe('validateSchedule: FTS warnings are reported and never errors', () => {
  const phase1 = (lrs: string) => check(`0: {params: [head.weight]}\n1: {params: [ln_f.weight], new_lr_scheduler: {${lrs}}}\n2: {params: [wte.weight]}\n`);
  const init = 'lr_scheduler_init: {class_path: torch.optim.lr_scheduler.StepLR, init_args: {step_size: 1}}';

  // fts_supporters.py:642 `extra_keys = pl_lrs_cfg.keys() - supported_keys` over Lightning's LRSchedulerConfig fields
  it('pl_lrs_cfg keys outside Lightning\'s lr scheduler config, listed in one warning', () => {
    const c = phase1(`${init}, pl_lrs_cfg: {interval: epoch, frequency: 1, name: Reinit, monitor: val_loss, strict: true, reduce_on_plateau: false, scheduler: x, intervall: step, every: 2}`);
    assert.deepEqual([c.errors, brief(c.warnings)], [[], [{ code: 'unknown-pl-lrs-key', path: '1.new_lr_scheduler.pl_lrs_cfg', phase: 1, entry: undefined }]]);
    assert.match(c.warnings[0].message, /^pl_lrs_cfg of phase 1 has key\(s\) 'intervall', 'every' that Lightning's lr scheduler config lacks/);
    assert.deepEqual(phase1(`${init}, pl_lrs_cfg: {interval: step}`).warnings, []);
  });

  // fts_supporters.py:755 `if "init_pg_lrs" in target_sched.keys():` warns whatever the list holds
  it('init_pg_lrs: always a warning to check the count, with the groups the phases make', () => {
    for (const lrs of ['[1.0e-5]', '[1.0e-5, 2.0e-5]', '[]']) {
      const c = phase1(`${init}, init_pg_lrs: ${lrs}`);
      assert.deepEqual(brief(c.warnings), [{ code: 'init-pg-lrs-count', path: '1.new_lr_scheduler.init_pg_lrs', phase: 1, entry: undefined }], lrs);
      assert.match(c.warnings[0].message, /phases 0 to 1 make 2 group\(s\), or up to 4 with a weight-decay split/);
    }
  });

  // fts_supporters.py:1326 `if lr_scheduler_init.get("init_args") and "optimizer" in lr_scheduler_init.get("init_args", {}).keys():`
  it('an optimizer key inside lr_scheduler_init.init_args has no effect', () => {
    const c = phase1('lr_scheduler_init: {class_path: torch.optim.lr_scheduler.StepLR, init_args: {step_size: 1, optimizer: adam}}');
    assert.deepEqual(brief(c.warnings), [{ code: 'optimizer-in-init-args', path: '1.new_lr_scheduler.lr_scheduler_init.init_args.optimizer', phase: 1, entry: undefined }]);
    assert.deepEqual(phase1(init).warnings, []);
    assert.deepEqual(phase1('lr_scheduler_init: {class_path: torch.optim.lr_scheduler.StepLR}').warnings, []);
  });

  // fts_supporters.py:745: information when use_current_optimizer_pg_lrs is true and init_pg_lrs absent
  it('use_current_optimizer_pg_lrs without init_pg_lrs is a notice', () => {
    assert.deepEqual(brief(phase1(`${init}, use_current_optimizer_pg_lrs: true`).notices).filter((n) => n.code === 'current-pg-lrs'), [{ code: 'current-pg-lrs', path: '1.new_lr_scheduler.use_current_optimizer_pg_lrs', phase: 1, entry: undefined }]);
    for (const other of ['use_current_optimizer_pg_lrs: false', 'use_current_optimizer_pg_lrs: true, init_pg_lrs: [1.0e-5, 1.0e-5]'])
      assert.deepEqual(phase1(`${init}, ${other}`).notices.filter((n) => n.code === 'current-pg-lrs'), [], other);
  });

  it('a schedule with warnings still passes checkSchedule', () => {
    assert.ok(E.isRight(checkSchedule(parsed(`0: {params: [head.weight], lr: 0.1}\n1: {params: [ln_f.weight], new_lr_scheduler: {${init}, init_pg_lrs: [1.0e-5], pl_lrs_cfg: {every: 2}}}\n`), GPT)));
  });
});

describe('validateSchedule: explain and assignment', () => {
  const c = check('0: {params: [head.weight, "ln_f\\\\.weight$"]}\n1: {params: ["h\\\\.0\\\\.", wte.weight]}\n2: {params: ["h\\\\.1\\\\.attn\\\\.(weight|bias)"]}\n');

  it('every entry with what it matched: exact, regex (whole name) or prefix', () => {
    assert.deepEqual(c.errors, []);
    assert.deepEqual(c.explain.map(({ phase, index, entry, as, matches }) => ({ phase, index, entry, as, matches: matches.map((m) => `${m.name}:${m.how}`) })), [
      { phase: 0, index: 0, entry: 'head.weight', as: 'exact', matches: ['head.weight:exact'] },
      { phase: 0, index: 1, entry: 'ln_f\\.weight$', as: 'regex', matches: ['ln_f.weight:regex'] },
      { phase: 1, index: 0, entry: 'h\\.0\\.', as: 'regex', matches: ['h.0.attn.weight:prefix', 'h.0.attn.bias:prefix', 'h.0.ln_1.weight:prefix'] },
      { phase: 1, index: 1, entry: 'wte.weight', as: 'exact', matches: ['wte.weight:exact'] },
      { phase: 2, index: 0, entry: 'h\\.1\\.attn\\.(weight|bias)', as: 'regex', matches: ['h.1.attn.weight:regex', 'h.1.attn.bias:regex'] },
    ]);
  });

  it('resolved phases and the parameter -> phase assignment', () => {
    assert.deepEqual(c.phases.map((p) => p.params), [['head.weight', 'ln_f.weight'], ['h.0.attn.weight', 'h.0.attn.bias', 'h.0.ln_1.weight', 'wte.weight'], ['h.1.attn.weight', 'h.1.attn.bias']]);
    assert.deepEqual(c.assignment, { 'head.weight': 0, 'ln_f.weight': 0, 'h.0.attn.weight': 1, 'h.0.attn.bias': 1, 'h.0.ln_1.weight': 1, 'wte.weight': 1, 'h.1.attn.weight': 2, 'h.1.attn.bias': 2 });
    assert.deepEqual(c.phases[1], { index: 1, params: c.phases[1].params, maxTransitionEpoch: -1 });
  });

  it('describeExplain shows each entry, its matches and the prefix-only ones', () => {
    const text = describeExplain(c.explain);
    assert.match(text, /^phase 0:\n  params\[0\] 'head.weight' \(exact name\), 1 match\(es\):\n    head.weight\n/);
    assert.match(text, /phase 1:\n  params\[0\] 'h\\.0\\.' \(regex\), 3 match\(es\):\n    h.0.attn.weight   <- prefix match only\n/);
    assert.match(describeExplain(check('0: {params: [zzz]}').explain), /\(matches nothing\)/);
  });
});
