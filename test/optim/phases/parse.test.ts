import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatProblem } from '../../../src/optim/phases/index.js';
import { parsed, problemsOf } from './fixtures.js';

const only = (text: string) => problemsOf(text).map(({ code, path, line, column }) => ({ code, path, line, column }));

describe('parseSchedule: reading a file', () => {
  it('YAML phases with defaults: max_transition_epoch -1, lr absent unless given', () => {
    const s = parsed('0:\n  params: [head.weight]\n1:\n  params:\n    - h\\.1\\.\n  max_transition_epoch: 3\n  lr: 1e-4\n');
    assert.deepEqual(s, [
      { params: ['head.weight'], max_transition_epoch: -1 },
      { params: ['h\\.1\\.'], max_transition_epoch: 3, lr: 1e-4 },
    ]);
  });

  it('JSON input (string keys) reads the same, in index order whatever the file order', () => {
    const s = parsed('{"1": {"params": ["b"], "lr": 0.001}, "0": {"params": ["a"]}}');
    assert.deepEqual(s, [{ params: ['a'], max_transition_epoch: -1 }, { params: ['b'], max_transition_epoch: -1, lr: 0.001 }]);
  });

  it('re-initialisation blocks are kept as written, extra keys included', () => {
    const s = parsed(`0: {params: [a]}
1:
  params: [b]
  new_optimizer:
    optimizer_init: {class_path: torch.optim.SGD, init_args: {lr: 0.002, momentum: 0.9}}
  new_lr_scheduler:
    lr_scheduler_init: {class_path: torch.optim.lr_scheduler.StepLR, init_args: {step_size: 1, gamma: 0.7}}
    pl_lrs_cfg: {interval: epoch, frequency: 1, name: Reinit}
    init_pg_lrs: [2.0e-06, 2.0e-06]
    extra: kept
`);
    assert.deepEqual(s[1].new_optimizer, { optimizer_init: { class_path: 'torch.optim.SGD', init_args: { lr: 0.002, momentum: 0.9 } } });
    assert.deepEqual(s[1].new_lr_scheduler, { lr_scheduler_init: { class_path: 'torch.optim.lr_scheduler.StepLR', init_args: { step_size: 1, gamma: 0.7 } }, pl_lrs_cfg: { interval: 'epoch', frequency: 1, name: 'Reinit' }, init_pg_lrs: [2e-6, 2e-6], extra: 'kept' });
  });
});

describe('parseSchedule: duplicate keys are errors with line and column', () => {
  it('YAML: a repeated phase and a repeated field, both reported', () => {
    const ps = problemsOf('0:\n  params: [a]\n  params: [b]\n1:\n  params: [c]\n0:\n  params: [d]\n');
    assert.deepEqual(ps.map(({ code, path, phase, line, column }) => ({ code, path, phase, line, column })), [
      { code: 'duplicate-key', path: '0.params', phase: 0, line: 3, column: 3 },
      { code: 'duplicate-key', path: '0', phase: 0, line: 6, column: 1 },
    ]);
    assert.match(ps[0].message, /duplicate key 'params'.*silently keep the last/);
  });

  it('JSON: repeated keys inside and between phases', () => {
    assert.deepEqual(only('{"0": {"params": ["a"], "params": ["b"]},\n "0": {"params": ["c"]}}'), [
      { code: 'duplicate-key', path: '0.params', line: 1, column: 25 },
      { code: 'duplicate-key', path: '0', line: 2, column: 2 },
    ]);
  });

  it('`1` and `"1"` name the same phase', () => {
    const ps = problemsOf('0: {params: [a]}\n1: {params: [b]}\n"1": {params: [c]}\n');
    assert.deepEqual(ps.map((p) => [p.code, p.path, p.line]), [['duplicate-key', '1', 3]]);
    assert.match(ps[0].message, /phase 1 is given twice \(as 1 at 2:1 and "1" at 3:1\)/);
  });

  it('a repeated field is reported at the repeat, naming both places; the value decoded (the last) is the one located', () => {
    const ps = problemsOf('0:\n  params: [a]\n1:\n  params: [b]\n  lr: -1\n  lr: .nan\n');
    assert.deepEqual(ps.map(({ code, path, line, column }) => ({ code, path, line, column })), [
      { code: 'duplicate-key', path: '1.lr', line: 6, column: 3 },
      { code: 'type', path: '1.lr', line: 6, column: 7 },
    ]);
    assert.equal(ps[0].message, "duplicate key 'lr': first at 5:3, again at 6:3 (a plain YAML loader would silently keep the last one)");
    assert.match(ps[1].message, /got \.nan/);
  });
});

describe('parseSchedule: every problem at once, each with its path', () => {
  it('bad keys, bad fields, unknown keys and gaps together', () => {
    const ps = problemsOf(`0:
  params: [a, 3]
  lr: "1e-5"
  new_optimizer: {optimizer_init: {class_path: x}}
1.5: {params: [b]}
first: {params: [c]}
-1: {params: [d]}
3:
  params: ok
  max_transiton_epoch: 2
  max_transition_epoch: 1.5
`);
    assert.deepEqual(ps.map(({ code, path, phase, entry }) => ({ code, path, phase, entry })), [
      { code: 'type', path: '0.params[1]', phase: 0, entry: '3' },
      { code: 'type', path: '0.lr', phase: 0, entry: undefined },
      { code: 'reinit-on-phase-0', path: '0.new_optimizer', phase: 0, entry: undefined },
      { code: 'phase-key', path: '["1.5"]', phase: undefined, entry: undefined },
      { code: 'phase-key', path: 'first', phase: undefined, entry: undefined },
      { code: 'phase-key', path: '["-1"]', phase: undefined, entry: undefined },
      { code: 'type', path: '3.params', phase: 3, entry: undefined },
      { code: 'unknown-key', path: '3.max_transiton_epoch', phase: 3, entry: undefined },
      { code: 'type', path: '3.max_transition_epoch', phase: 3, entry: undefined },
      { code: 'missing-phase', path: '(root)', phase: undefined, entry: undefined },
    ]);
    const msg = (path: string) => ps.find((p) => p.path === path)!.message;
    assert.match(msg('0.params[1]'), /expected string, got 3/);
    assert.match(msg('0.lr'), /expected finite number >= 0, got "1e-5" \(a string: write the number without quotes\)/);
    assert.match(msg('["1.5"]'), /phase key '1.5' is not an integer/);
    assert.match(msg('["-1"]'), /phase key -1 is negative: phase keys are zero-based/);
    assert.match(msg('3.max_transiton_epoch'), /unknown key 'max_transiton_epoch'/);
    assert.match(msg('3.max_transition_epoch'), /integer >= -1, got 1.5/);
    assert.match(msg('(root)'), /phases 1 to 2 are missing: phase keys must be zero-based and contiguous/);
    assert.deepEqual([ps[0].line, ps[0].column, ps[1].line], [2, 15, 3]);
  });

  it('not zero-based: phase 0 missing', () => {
    const ps = problemsOf('1: {params: [a]}\n2: {params: [b]}\n');
    assert.deepEqual(ps.map((p) => [p.code, p.message]), [['missing-phase', 'phase 0 is missing: phase keys must be zero-based and contiguous (next is 1)']]);
  });

  it('lr that is not a number, in JSON, and bad re-initialisation fields', () => {
    const ps = problemsOf('{"0": {"params": ["a"]}, "1": {"params": ["b"], "lr": "fast", "new_lr_scheduler": {"init_pg_lrs": [1, "x"], "lr_scheduler_init": {}}}}');
    assert.deepEqual(ps.map((p) => p.path), ['1.lr', '1.new_lr_scheduler.lr_scheduler_init.class_path', '1.new_lr_scheduler.init_pg_lrs[1]']);
  });

  it('empty file, a list, no phases, a syntax error', () => {
    assert.deepEqual(only('').map((p) => p.code), ['not-a-mapping']);
    assert.match(problemsOf('[a, b]')[0].message, /expected a mapping of phase index to phase, got a list/);
    assert.deepEqual(only('{}').map((p) => p.code), ['no-phases']);
    assert.deepEqual(only('0: [a\n1: b'), [{ code: 'yaml-syntax', path: '', line: 2, column: 1 }]);
  });

  it('a syntax error is one problem, the first yaml raises (the rest follow from it), as `not valid YAML: <sentence>`', () => {
    const ps = problemsOf('0:\n  params:\n\t- a\n');
    assert.deepEqual(ps.map(({ code, path, line, column, message }) => ({ code, path, line, column, message })), [{ code: 'yaml-syntax', path: '', line: 3, column: 1, message: 'not valid YAML: Tabs are not allowed as indentation' }]);
    assert.equal(formatProblem(ps[0], 'tab.yaml'), 'tab.yaml:3:1: not valid YAML: Tabs are not allowed as indentation');
  });

  it('formatProblem without a line: `file: path: message`, as for every other input file', () => {
    assert.equal(formatProblem({ path: '(root)', message: 'm' }, 're.yaml'), 're.yaml: (root): m');
    assert.equal(formatProblem({ path: '(root)', message: 'm' }), '(root): m');
  });

  it('formatProblem prints file:line:col path: message', () => {
    assert.equal(formatProblem(problemsOf('0: {params: [a]}\n0: {params: [b]}\n')[0], 'sched.yaml'), "sched.yaml:2:1 0: duplicate key '0': first at 1:1, again at 2:1 (a plain YAML loader would silently keep the last one)");
  });
});

// FTS's rules for re-initialisation blocks, speediedan/finetuning-scheduler@ceae3f0 src/finetuning_scheduler/fts_supporters.py
describe('parseSchedule: FTS re-initialisation rules', () => {
  // fts_supporters.py:692 `if target_key not in target_sched.keys():` (for both lr_scheduler_init and optimizer_init)
  it('new_lr_scheduler needs lr_scheduler_init, new_optimizer needs optimizer_init', () => {
    const ps = problemsOf('0: {params: [a]}\n1:\n  params: [b]\n  new_lr_scheduler: {pl_lrs_cfg: {interval: step}}\n  new_optimizer: {}\n');
    assert.deepEqual(ps.map(({ code, path, line }) => ({ code, path, line })), [
      { code: 'type', path: '1.new_lr_scheduler.lr_scheduler_init', line: 4 },
      { code: 'type', path: '1.new_optimizer.optimizer_init', line: 5 },
    ]);
    assert.equal(ps[0].message, 'missing: expected a mapping with class_path (and optional init_args)');
  });

  // fts_supporters.py:699 `if not target_sched[target_key].get("class_path"):`
  it('lr_scheduler_init needs a non-empty class_path', () => {
    const ps = problemsOf('0: {params: [a]}\n1: {params: [b], new_lr_scheduler: {lr_scheduler_init: {class_path: "", init_args: {}}}}\n2: {params: [c], new_lr_scheduler: {lr_scheduler_init: {init_args: {gamma: 0.5}}}}\n');
    assert.deepEqual(ps.map((p) => [p.path, p.message]), [
      ['1.new_lr_scheduler.lr_scheduler_init.class_path', 'expected non-empty class path, got ""'],
      ['2.new_lr_scheduler.lr_scheduler_init.class_path', 'missing: expected non-empty class path'],
    ]);
  });

  // fts_supporters.py:672 `if "interval" in pl_lrs_cfg and pl_lrs_cfg["interval"] not in ("step", "epoch"):`
  it('pl_lrs_cfg.interval is "step" or "epoch" when given', () => {
    const init = 'lr_scheduler_init: {class_path: torch.optim.lr_scheduler.StepLR}';
    const ps = problemsOf(`0: {params: [a]}\n1: {params: [b], new_lr_scheduler: {${init}, pl_lrs_cfg: {interval: batch}}}\n`);
    assert.deepEqual(ps.map((p) => [p.path, p.line, p.message]), [['1.new_lr_scheduler.pl_lrs_cfg.interval', 2, 'expected "step" or "epoch", got "batch"']]);
    for (const cfg of ['{interval: step}', '{interval: epoch}', '{frequency: 2}'])
      assert.deepEqual(parsed(`0: {params: [a]}\n1: {params: [b], new_lr_scheduler: {${init}, pl_lrs_cfg: ${cfg}}}\n`).length, 2, cfg);
  });
});
