import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DisjointnessProblem, PhaseAssignment } from '../../src/shard/index.js';
import { checkDisjointness, describeProblems, flatUnits, ROOT_HINT } from '../../src/shard/index.js';
import { TINY } from './spec.js';

// units: root {temperature, enc.norm.w}, enc.block {scale, attn.w, attn.b}, enc.block.mlp {mlp.w}, head {head.w, head.b}
const UNITS = flatUnits(TINY, { classes: ['Block', 'Linear'] });
const ALIGNED: PhaseAssignment = { 'head.w': 0, 'head.b': 0, 'enc.block.mlp.w': 1, 'enc.block.scale': 2, 'enc.block.attn.w': 2, 'enc.block.attn.b': 2, temperature: 2, 'enc.norm.w': 2 };
const check = (a: PhaseAssignment, mode: 'flat' | 'per-parameter' = 'flat') => checkDisjointness(TINY, UNITS, a, { mode });
const only = <K extends DisjointnessProblem['kind']>(ps: readonly DisjointnessProblem[], kind: K) => ps.filter((p) => p.kind === kind) as Extract<DisjointnessProblem, { kind: K }>[];

describe('phase disjointness over flat units', () => {
  it('phase-aligned units pass in both modes; wholly unscheduled units are fine', () => {
    assert.deepEqual(check(ALIGNED), { ok: true, mode: 'flat', problems: [] });
    assert.equal(check(ALIGNED, 'per-parameter').ok, true);
    assert.equal(check({ 'head.w': 0, 'head.b': 0, 'enc.block.mlp.w': 1 }).ok, true);
  });

  it('check 1: a module split across phases names the module, its unit and its parameters by phase', () => {
    const r = check({ ...ALIGNED, 'head.b': 1 });
    assert.deepEqual(only(r.problems, 'module-spans-phases'), [
      { kind: 'module-spans-phases', module: 'head', moduleClass: 'Linear', unit: { name: 'head', class: 'Linear' }, phases: [0, 1], byPhase: [{ phase: 0, params: ['head.w'] }, { phase: 1, params: ['head.b'] }] },
    ]);
    // in flat mode the same split also shares one buffer
    assert.deepEqual(only(r.problems, 'buffer-spans-phases').map((p) => p.unit.name), ['head']);
  });

  it('check 2: modules thawed in different phases inside one wrapped unit; every parameter listed with its phase', () => {
    const r = check({ ...ALIGNED, 'enc.block.attn.w': 1, 'enc.block.attn.b': 1 });
    assert.equal(r.ok, false);
    assert.deepEqual(only(r.problems, 'module-spans-phases'), []);
    const [p] = only(r.problems, 'buffer-spans-phases');
    assert.deepEqual({ ...p, hint: undefined }, {
      kind: 'buffer-spans-phases',
      unit: { name: 'enc.block', class: 'Block' },
      root: false,
      phases: [1, 2],
      onlyWithUnscheduled: false,
      params: [{ name: 'enc.block.scale', phase: 2 }, { name: 'enc.block.attn.w', phase: 1 }, { name: 'enc.block.attn.b', phase: 1 }],
      suggestedWraps: [{ phase: 1, modules: ['enc.block.attn'] }],
      hint: undefined,
    });
    assert.ok(p.hint.includes(ROOT_HINT));
  });

  it('check 3: a buffer half thawed and half unscheduled, reported as the unscheduled variant', () => {
    const { 'enc.block.scale': _, ...a } = ALIGNED;
    const [p, ...rest] = check(a).problems;
    assert.deepEqual(rest, []);
    assert.ok(p.kind === 'buffer-spans-phases');
    assert.deepEqual([p.phases, p.onlyWithUnscheduled], [[2, 'unscheduled'], true]);
    assert.deepEqual(p.params.map((x) => x.phase), ['unscheduled', 2, 2]);
    assert.match(describeProblems(check(a)), /some of its parameters are in no phase \('unscheduled'\)/);
  });

  it('the root unit: its unwrapped modules span phases; the hint says to wrap them, and which', () => {
    const r = check({ ...ALIGNED, 'enc.norm.w': 1 });
    const [p] = only(r.problems, 'buffer-spans-phases');
    assert.deepEqual([p.unit, p.root, p.phases, p.hint], [{ name: '', class: 'root' }, true, [1, 2], ROOT_HINT]);
    // temperature belongs to the root module itself, so only enc.norm.w can leave, with its outermost module
    assert.deepEqual(p.suggestedWraps, [{ phase: 1, modules: ['enc'] }]);
  });

  it('phase 0 must thaw a wrapped unit, not only the root', () => {
    const r = check({ temperature: 0, 'enc.norm.w': 0, 'head.w': 1, 'head.b': 1 });
    assert.deepEqual(r.problems, [{ kind: 'phase0-unwrapped', params: [{ name: 'enc.norm.w', unit: { name: '', class: 'root' } }, { name: 'temperature', unit: { name: '', class: 'root' } }] }]);
    const none = check({ 'head.w': 1, 'head.b': 1 });
    assert.deepEqual(none.problems, [{ kind: 'phase0-unwrapped', params: [] }]);
    assert.match(describeProblems(none), /phase 0 thaws no parameter/);
  });

  // FTS, strategy_adapters/fsdp.py:574 (speediedan/finetuning-scheduler@ceae3f0): with use_orig_params=True the phase-0
  // check is `inspect_flattened(*param_cfg)`, some phase-0 parameter FSDP-managed, which every unit's are, the root's too
  it('per-parameter flags: phase 0 in the root unit is accepted; an empty phase 0 is not', () => {
    assert.deepEqual(check({ temperature: 0, 'enc.norm.w': 0, 'head.w': 1, 'head.b': 1 }, 'per-parameter'), { ok: true, mode: 'per-parameter', problems: [] });
    assert.deepEqual(check({ 'head.w': 1, 'head.b': 1 }, 'per-parameter').problems, [{ kind: 'phase0-unwrapped', params: [] }]);
  });

  it('unknown parameters and phases that are not integers >= 0 are problems, beside the others', () => {
    const r = check({ ...ALIGNED, 'head.bias': 0, 'enc.norm.w': -1, temperature: 1.5 });
    assert.deepEqual(r.problems.slice(0, 3).sort((a, b) => ('param' in a && 'param' in b ? a.param.localeCompare(b.param) : 0)), [
      { kind: 'invalid-phase', param: 'enc.norm.w', phase: -1 },
      { kind: 'unknown-parameter', param: 'head.bias', phase: 0 },
      { kind: 'invalid-phase', param: 'temperature', phase: 1.5 },
    ]);
    // the bad entries count as unscheduled for the other checks: the root buffer is now wholly unscheduled
    assert.deepEqual(r.problems.slice(3), []);
  });

  it('every problem at once: bad entry, module split, two spanning buffers, phase 0', () => {
    const r = check({ 'nope': 3, 'head.w': 1, 'head.b': 2, 'enc.block.attn.w': 1, 'enc.block.attn.b': 1, temperature: 0 });
    assert.deepEqual(r.problems.map((p) => p.kind), ['unknown-parameter', 'module-spans-phases', 'buffer-spans-phases', 'buffer-spans-phases', 'buffer-spans-phases', 'phase0-unwrapped']);
    assert.deepEqual(only(r.problems, 'buffer-spans-phases').map((p) => [p.unit.name, p.phases]), [['', [0, 'unscheduled']], ['enc.block', [1, 'unscheduled']], ['head', [1, 2]]]);
  });
});

describe('per-parameter flags', () => {
  it('lift checks 2 and 3: modules may share a buffer across phases', () => {
    const a = { ...ALIGNED, 'enc.block.attn.w': 1, 'enc.block.attn.b': 1, 'enc.norm.w': 1 };
    assert.equal(check(a).ok, false);
    assert.deepEqual(check(a, 'per-parameter'), { ok: true, mode: 'per-parameter', problems: [] });
  });

  it('keep check 1: one module still may not split', () => {
    const r = check({ ...ALIGNED, 'head.b': 1 }, 'per-parameter');
    assert.deepEqual(r.problems.map((p) => p.kind), ['module-spans-phases']);
  });
});

describe('describeProblems', () => {
  it('names every spanning parameter, its phase and buffer owner, the hint and the modules to wrap', () => {
    const text = describeProblems(check({ ...ALIGNED, 'enc.norm.w': 1, 'head.b': 1 }));
    assert.match(text, /^3 problems with the phases over the flat units \(flat flags\):/);
    assert.match(text, /module 'head' \(Linear\) is split across phase 0, phase 1/);
    assert.match(text, /  phase 1: head\.b/);
    assert.match(text, /the flat buffer of root unit spans phase 1, phase 2/);
    assert.match(text, /temperature\s+phase 2  \(buffer of root unit\)/);
    assert.match(text, /enc\.norm\.w\s+phase 1  \(buffer of root unit\)/);
    assert.match(text, /the flat buffer of 'head' \(Linear\) spans phase 0, phase 1/);
    assert.match(text, /hint: parameters of unwrapped modules land in the root unit, so wrapping the scheduled modules separately/);
    assert.match(text, /wrap separately: phase 1: enc/);
    assert.equal(describeProblems(check(ALIGNED)), 'phases are disjoint over the flat units (flat flags)');
  });
});
