// Runs a compiled optimizer step: holds parameter and state values (never mutated), feeds per-step keys.
import * as E from 'fp-ts/lib/Either.js';
import type { BuildError, FeedNaming, InputSpec, Shape } from '../dsl/index.js';
import { FeedError, INPUT_NAMING, checkFeeds, randomKey } from '../dsl/index.js';
import { compile } from '../compiler/index.js';
import type { Executable, LoopFeeds, Runtime } from '../runtime/index.js';
// from its own module: the runtime index would pull Dawn's adapter search into the browser bundle
import { isWasmRuntime } from '../runtime/wasm/runtime.js';
import type { ResidentSteps } from './resident-steps.js';
import { residentSteps } from './resident-steps.js';
import type { Transform } from '../optim/transform.js';
import type { Objective, StepPrograms } from '../optim/step.js';
import { buildStep, names } from '../optim/step.js';

export type Values = Readonly<Record<string, Float32Array>>;

/** Everything a step needs, as values: the optimizer's state is data, not hidden inside an object. */
export interface OptimizerState {
  readonly params: Values;
  /** Flat state leaves by path. */
  readonly state: Values;
  /** Completed steps. */
  readonly step: number;
  /** The last step's metrics (`loss` and the objective's), when gradients come from an objective. */
  readonly metrics?: Readonly<Record<string, number>>;
  /** Every metric for each step of the last call, in step order. */
  readonly stepMetrics?: Readonly<Record<string, Float32Array>>;
}

export interface OptimizerRunner {
  readonly programs: StepPrograms;
  init(params: Values): Promise<E.Either<FeedError, OptimizerState>>;
  /** One step with these gradients (or, with an objective, these objective inputs). */
  step(s: OptimizerState, grads: Values): Promise<E.Either<FeedError, OptimizerState>>;
  /**
   * `k` steps in one call (one pipeline): with the same gradients (or objective inputs) every step,
   * or with an array of `k` of them, one per step (a batch per step).
   */
  steps(s: OptimizerState, grads: Values | readonly Values[], k: number): Promise<E.Either<FeedError, OptimizerState>>;
  /** On a backend that keeps tensors resident (wasm): steps on state that stays in its memory between calls. */
  readonly resident?: ResidentSteps;
  destroy(): void;
}

/** One call's executable and its feeds besides parameters and state. */
export interface StepCall {
  readonly exe: Executable;
  readonly feeds: LoopFeeds;
}

const GRADIENT_NAMING: FeedNaming = {
  known: (name) => `gradient for '${name}'`,
  unknown: (name, params) => `gradient '${name}': matches no parameter (parameters: ${params.join(', ')})`,
};

const PARAMETER_NAMING: FeedNaming = {
  known: (name) => `parameter '${name}'`,
  unknown: (name, params) => `parameter '${name}': not one of the optimizer's parameters (parameters: ${params.join(', ')})`,
};

/** What `step` is given, in the caller's names: a gradient per parameter, or the objective's inputs. */
const givenSpecs = (shapes: Readonly<Record<string, Shape>>, objective?: Objective): InputSpec[] =>
  objective
    ? Object.entries(objective.inputs).map(([name, s]) => ({ name, shape: s.shape, dtype: s.dtype }))
    : Object.entries(shapes).map(([name, shape]) => ({ name, shape, dtype: 'f32' as const }));

/** Every problem of every step's values (names, sizes, numbers), each step's prefixed with its index. */
const givenProblems = (specs: readonly InputSpec[], given: readonly Values[], perStep: boolean, naming: FeedNaming): string[] =>
  given.flatMap((values, i) => E.match((e: FeedError) => e.problems.map((p) => (perStep ? `step ${i}: ${p}` : p)), () => [] as string[])(checkFeeds(specs, values, naming)));

/**
 * With an objective, `step`'s second argument holds the objective's inputs (a batch) instead of
 * gradients, and `frozen` the values of the parameters it reads but never updates.
 */
export const createOptimizerRunner = (rt: Runtime, transform: Transform<any>, shapes: Readonly<Record<string, Shape>>, objective?: Objective, frozen: Values = {}): E.Either<BuildError, OptimizerRunner> =>
  E.map((programs: StepPrograms): OptimizerRunner => {
    const init = programs.init && rt.load(compile(programs.init));
    const stepPlan = compile(programs.step);
    const single = rt.load(stepPlan);
    const loops = new Map<string, Executable>();
    const fixedFeeds = {
      ...Object.fromEntries(Object.entries(programs.fixed).map(([k, f]) => [k, f.values])),
      ...Object.fromEntries(Object.entries(frozen).map(([k, v]) => [names.param(k), v])),
    };
    const carry = Object.fromEntries([...programs.params.map(names.param), ...programs.state.map(names.state)].filter((n) => n in stepPlan.inputs).map((n) => [n, n]));
    const keyNames = programs.keySeeds.map(names.key).filter((n) => n in stepPlan.inputs);

    const gradName = (k: string) => (objective ? names.input(k) : names.grad(k));
    const specs = givenSpecs(shapes, objective);
    // parameters are checked in the caller's names before any program sees them under its own ('p:w')
    const paramSpecs = givenSpecs(shapes);
    const paramProblems = (params: Values) => givenProblems(paramSpecs, [params], false, PARAMETER_NAMING);
    const feedsFor = (s: OptimizerState, grads: Values) => ({
      ...Object.fromEntries(Object.entries(s.params).map(([k, v]) => [names.param(k), v])),
      ...Object.fromEntries(Object.entries(grads).map(([k, v]) => [gradName(k), v])),
      ...Object.fromEntries(Object.entries(s.state).map(([k, v]) => [names.state(k), v])),
      ...fixedFeeds,
    });
    const metricNames = programs.metrics.map(names.metric);
    const unpack = (out: Record<string, Float32Array>, s: OptimizerState, k: number): OptimizerState => ({
      params: Object.fromEntries(programs.params.map((p) => [p, out[names.param(p)]])),
      state: Object.fromEntries(programs.state.map((p) => [p, out[names.state(p)]])),
      step: s.step + k,
      ...(programs.metrics.length
        ? {
          metrics: Object.fromEntries(programs.metrics.map((m) => [m, out[names.metric(m)][k - 1]])),
          stepMetrics: Object.fromEntries(programs.metrics.map((m) => [m, out[names.metric(m)]])),
        }
        : {}),
    });
    /** The executable for `k` steps after `step` completed ones, and its feeds besides parameters and state (checked first). */
    const prepareCall = (step: number, given: Values | readonly Values[], k: number, params?: Values): E.Either<FeedError, StepCall> => {
      const each = Array.isArray(given) ? (given as readonly Values[]) : undefined;
      if (each && each.length !== k) return E.left(new FeedError([`${k} steps need ${k} sets of ${objective ? 'inputs' : 'gradients'}, got ${each.length}`]));
      const first = each ? each[0] : (given as Values);
      const bad = [...(params ? paramProblems(params) : []), ...givenProblems(specs, each ?? [first], each !== undefined, objective ? INPUT_NAMING : GRADIENT_NAMING)];
      if (bad.length) return E.left(new FeedError(bad));
      const keyFeeds = Object.fromEntries(programs.keySeeds.filter((seed) => keyNames.includes(names.key(seed))).map((seed) => {
        const perStep = Array.from({ length: k }, (_, i) => randomKey(seed, (step + i + 1) % 2 ** 24));
        return [names.key(seed), k === 1 ? perStep[0] : perStep];
      }));
      // per-step inputs the plan reads (an input the step never uses is not fed per step)
      const varying = each && k > 1 ? Object.keys(first).filter((key) => gradName(key) in stepPlan.inputs) : [];
      const perStepFeeds = Object.fromEntries(varying.map((key) => [gradName(key), each!.map((g) => g[key])]));
      const exe = k === 1 ? single : loopFor(k, varying.map(gradName));
      return E.right({ exe, feeds: { ...Object.fromEntries(Object.entries(first).map(([key, v]) => [gradName(key), v])), ...perStepFeeds, ...keyFeeds } });
    };
    const run = async (s: OptimizerState, given: Values | readonly Values[], k: number) => {
      const prepared = prepareCall(s.step, given, k, s.params);
      if (E.isLeft(prepared)) return prepared;
      const { exe, feeds } = prepared.right;
      const out = await exe.run({ ...feedsFor(s, {}), ...feeds });
      return E.map((o: Record<string, Float32Array>) => unpack(o, s, k))(out);
    };
    const loopFor = (k: number, varying: readonly string[]) => {
      const id = `${k}:${varying.join(',')}`;
      const exe = loops.get(id) ?? rt.loop(stepPlan, { steps: k, carry, perStep: [...keyNames, ...varying], collect: metricNames });
      loops.set(id, exe);
      return exe;
    };
    const resident = isWasmRuntime(rt) ? residentSteps(rt, { programs, stepPlan, fixedFeeds, prepareCall }) : undefined;
    return {
      programs,
      ...(resident ? { resident } : {}),
      init: async (params) => {
        const bad = paramProblems(params);
        if (bad.length) return E.left(new FeedError(bad));
        const out = init ? await init.run(Object.fromEntries(Object.entries(params).map(([k, v]) => [names.param(k), v]))) : E.right({});
        return E.map((o: Record<string, Float32Array>) => ({ params: Object.fromEntries(Object.entries(params).map(([k, v]) => [k, v.slice()])), state: Object.fromEntries(programs.state.map((p) => [p, o[names.state(p)]])), step: 0 }))(out);
      },
      step: (s, grads) => run(s, grads, 1),
      steps: (s, grads, k) => run(s, grads, k),
      destroy: () => {
        init?.destroy();
        single.destroy();
        loops.forEach((l) => l.destroy());
        resident?.destroy();
      },
    };
  })(buildStep(transform, shapes, objective));
