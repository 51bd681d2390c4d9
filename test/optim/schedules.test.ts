// Every optax schedule against optax itself (golden values from fixtures/gen-optax-schedules.py), on
// the host (lrAt) and compiled into a program on the default runtime; and the arguments graft refuses.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as g from '../../src/dsl/index.js';
import { isBuildError } from '../../src/dsl/index.js';
import * as o from '../../src/optim/index.js';
import type { Schedule } from '../../src/optim/index.js';
import type { Runtime } from '../../src/runtime/index.js';
import { createRuntime } from '../../src/runtime/index.js';
import { build, runCompiled } from '../nn/harness.js';

interface Spec {
  readonly schedule: string;
  readonly args: Record<string, any>;
}
interface Case extends Spec {
  readonly id: string;
  readonly steps: number[];
  readonly values: number[];
}
interface Refusal extends Spec {
  readonly id: string;
  readonly raises: string;
}
const golden: { optax: string; jax: string; schedules: string[]; cases: Case[]; raises: Refusal[] } = JSON.parse(readFileSync(new URL('./fixtures/optax-schedules.json', import.meta.url), 'utf8'));
const byId = (id: string) => golden.cases.find((c) => c.id === id)!;

// optax's snake_case keyword arguments are graft's camelCase option names, one for one
const camel = (args: Record<string, unknown>): any => Object.fromEntries(Object.entries(args).map(([k, v]) => [k.replace(/_(.)/g, (_, c: string) => c.toUpperCase()), v]));

const GRAFT: Record<string, (args: any) => Schedule> = {
  constant_schedule: (a) => o.constantSchedule(a.value),
  linear_schedule: (a) => o.linearSchedule(camel(a)),
  polynomial_schedule: (a) => o.polynomialSchedule(camel(a)),
  exponential_decay: (a) => o.exponentialDecay(camel(a)),
  cosine_decay_schedule: (a) => o.cosineDecaySchedule(camel(a)),
  warmup_cosine_decay_schedule: (a) => o.warmupCosineDecaySchedule(camel(a)),
  warmup_exponential_decay_schedule: (a) => o.warmupExponentialDecaySchedule(camel(a)),
  warmup_constant_schedule: (a) => o.warmupConstantSchedule(camel(a)),
  piecewise_constant_schedule: (a) => o.piecewiseConstantSchedule(camel(a)),
  piecewise_interpolate_schedule: (a) => o.piecewiseInterpolateSchedule(camel(a)),
  linear_onecycle_schedule: (a) => o.linearOnecycleSchedule(camel(a)),
  cosine_onecycle_schedule: (a) => o.cosineOnecycleSchedule(camel(a)),
  sgdr_schedule: (a) => o.sgdrSchedule(a.cosine_kwargs.map(camel)),
  join_schedules: (a) => o.joinSchedules(a.schedules.map(graftOf), a.boundaries),
};
const graftOf = (s: Spec): Schedule => GRAFT[s.schedule](s.args);

// optax computes in float32. Two allowances, from the errors measured (host and compiled alike):
// - 5e-7 of the schedule's largest |value| (4 f32 ulps) for the rounding of each float32 operation
//   (largest seen: 2e-7, cosine shapes, where t/steps is rounded before cos);
// - for schedules that raise a decay rate to a power (exponential, and what joins one), 1e-5 of the
//   value itself: a rate f32 cannot hold, 1.1 held as 1.10000002, makes 1.1^200 4.3e-6 higher in optax
//   (and in graft's f32 kernels) than on the host.
// A wrong formula, bound or boundary step moves values by far more (a step off in the longest
// ramp here, 100 steps, is 1e-2).
const powersOfARate = (c: Case) => JSON.stringify(c.args).includes('"decay_rate"');
const tolerance = (c: Case, want: number) => 5e-7 * Math.max(...c.values.map(Math.abs)) + (powersOfARate(c) ? 1e-5 * Math.abs(want) : 0);

const mismatches = (c: Case, got: ArrayLike<number>): string[] =>
  c.steps.flatMap((t, i) => (Math.abs(got[i] - c.values[i]) <= tolerance(c, c.values[i]) ? [] : [`step ${t}: ${got[i]}, optax ${c.values[i]}`]));

let rt: Runtime;
before(async () => {
  rt = await createRuntime();
});
after(() => rt.destroy());

describe(`schedules: optax ${golden.optax} (jax ${golden.jax}, float32) golden values`, () => {
  it('every schedule optax exports has a graft constructor and golden values', () => {
    assert.deepEqual(Object.keys(GRAFT).sort(), golden.schedules);
    assert.deepEqual([...new Set(golden.cases.map((c) => c.schedule))].sort(), golden.schedules);
  });

  for (const c of golden.cases) {
    it(`${c.id}: lrAt on the host`, () => {
      const sched = graftOf(c);
      assert.deepEqual(mismatches(c, c.steps.map((t) => o.lrAt(sched, t))), []);
    });
  }

  it('compiled: every schedule in one program, on the default runtime', async () => {
    const decl = Object.fromEntries(golden.cases.map((c, k) => [`t${k}`, [c.steps.length]]));
    // + zeros: a constant schedule is a scalar; this gives it one value per step like the rest
    const prog = build(decl, (inputs) => Object.fromEntries(golden.cases.map((c, k) => [`lr${k}`, g.add(graftOf(c)(o.tensorScalar, inputs[`t${k}`]), g.zeros([c.steps.length]))])));
    const out = await runCompiled(rt, prog, Object.fromEntries(golden.cases.map((c, k) => [`t${k}`, Float32Array.from(c.steps)])));
    const problems = golden.cases.flatMap((c, k) => mismatches(c, out[`lr${k}`]).map((m) => `${c.id} (${rt.report.backend}): ${m}`));
    assert.deepEqual(problems, []);
  });
});

describe('schedules: where optax raises, graft refuses at construction', () => {
  for (const r of golden.raises) {
    it(`${r.id} (optax: ${r.raises})`, () => {
      assert.throws(() => graftOf(r), (e) => isBuildError(e) && e.kind === 'bad-argument');
    });
  }
});

describe("schedules: graft's first forms are optax's schedules", () => {
  const same = (sched: Schedule, id: string) => assert.deepEqual(mismatches(byId(id), byId(id).steps.map((t) => o.lrAt(sched, t))), []);
  it('exponentialDecay({ init, rate, every })', () => same(o.exponentialDecay({ init: 1, rate: 0.5, every: 10 }), 'exponential'));
  it('stepDecay({ init, every, factor })', () => same(o.stepDecay({ init: 1, every: 4, factor: 0.5 }), 'exponential staircase'));
  it('piecewiseConstant({ init, boundaries, scales })', () => same(o.piecewiseConstant({ init: 1, boundaries: [10, 20], scales: [0.5, 0.1] }), 'piecewise constant'));
});

describe('schedules: arguments graft refuses where optax gives NaN, infinity or a fractional step', () => {
  const refuses = (make: () => unknown, ...parts: RegExp[]) =>
    assert.throws(make, (e) => isBuildError(e) && parts.every((p) => p.test(e.message)));

  it('every problem at once, each named', () => {
    refuses(() => o.polynomialSchedule({ initValue: NaN, endValue: 0, power: -1, transitionSteps: 2.5, transitionBegin: 0.5 }), /initValue NaN/, /power -1/, /transitionSteps 2.5/, /transitionBegin 0.5/);
    refuses(() => o.exponentialDecay({ initValue: 1, transitionSteps: 3, decayRate: -0.5, endValue: Infinity }), /decayRate -0.5/, /endValue Infinity/);
    refuses(() => o.cosineDecaySchedule({ initValue: 1, decaySteps: 10, exponent: -2 }), /exponent -2/);
    refuses(() => o.cosineDecaySchedule({ initValue: 1, decaySteps: 2.5 }), /decaySteps 2.5 must be a whole number of steps > 0/);
    refuses(() => o.cosineOnecycleSchedule({ transitionSteps: 0, peakValue: 1 }), /transitionSteps 0 must be a whole number of steps > 0/);
    refuses(() => o.stepDecay({ init: 1, every: 0, factor: 0.5 }), /every 0 must be a whole number of steps > 0/);
    refuses(() => o.warmupCosineDecaySchedule({ initValue: 0, peakValue: 1, warmupSteps: -1, decaySteps: 5 }), /warmupSteps -1/);
    refuses(() => o.linearOnecycleSchedule({ transitionSteps: 10, peakValue: 1, pctStart: 1.5, pctFinal: -0.1, divFactor: 0 }), /pctStart 1.5/, /pctFinal -0.1/, /divFactor 0/);
    refuses(() => o.piecewiseInterpolateSchedule({ interpolateType: 'linear', initValue: 1, boundariesAndScales: { 2.5: 1 } }), /boundariesAndScales steps \[2.5\]/);
  });

  it('sgdr names the period at fault, and needs one', () => {
    refuses(() => o.sgdrSchedule([]), /at least one period/);
    refuses(() => o.sgdrSchedule([{ initValue: 0, peakValue: 1, warmupSteps: 1, decaySteps: 4 }, { initValue: 0, peakValue: 1, warmupSteps: 4, decaySteps: 4 }]), /cosineKwargs\[1\]: decaySteps 4/);
  });

  it('join boundaries must be increasing whole steps', () => {
    refuses(() => o.joinSchedules([o.constantSchedule(1), o.constantSchedule(2), o.constantSchedule(3)], [5, 5]), /boundaries \[5,5\]/);
  });
});
