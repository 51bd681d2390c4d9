// Training steps whose parameters and optimizer state stay in the wasm runtime's memory: each call
// donates the previous state's handles and gets the next ones back; only a batch goes in and the
// metrics come out. The host sees the state only when it asks (evaluation, checkpoints, the end).
import * as E from 'fp-ts/lib/Either.js';
import type { FeedError } from '../dsl/index.js';
import type { Plan } from '../compiler/plan.js';
import type { ResidentTensor, WasmExecutable, WasmRuntime } from '../runtime/index.js';
import type { StepPrograms } from '../optim/step.js';
import { names } from '../optim/step.js';
import type { OptimizerState, StepCall, Values } from './optimizer-runner.js';

/** An optimizer state held in the runtime: a handle per parameter and state leaf, and the steps completed. */
export interface HeldState {
  readonly step: number;
  readonly params: Readonly<Record<string, ResidentTensor>>;
  readonly state: Readonly<Record<string, ResidentTensor>>;
}

export interface ResidentSteps {
  /** `s` in the runtime: the handles `read` last copied it from when it is that state, else an upload. */
  hold(s: OptimizerState): HeldState;
  /** `given.length` steps (one call) on `h`, which they consume; every step's metrics, in step order. */
  steps(h: HeldState, given: readonly Values[]): Promise<E.Either<FeedError, { readonly held: HeldState; readonly stepMetrics: Record<string, Float32Array> }>>;
  /** A host copy of `h` (which stays held: holding the copy again costs no upload). */
  read(h: HeldState, stepMetrics?: Record<string, Float32Array>): OptimizerState;
  /** Frees every handle still held. */
  destroy(): void;
}

export interface ResidentParts {
  readonly programs: StepPrograms;
  readonly stepPlan: Plan;
  /** Inputs that never change (transform constants, frozen parameters): uploaded once. */
  readonly fixedFeeds: Readonly<Record<string, ArrayLike<number>>>;
  readonly prepareCall: (step: number, given: readonly Values[], k: number) => E.Either<FeedError, StepCall>;
}

const orThrow = <A>(e: E.Either<Error, A>): A => {
  if (E.isLeft(e)) throw e.left;
  return e.right;
};

export const residentSteps = (rt: WasmRuntime, parts: ResidentParts): ResidentSteps => {
  const { programs, stepPlan } = parts;
  const reads = (name: string) => name in stepPlan.inputs;
  let fixed: Record<string, ResidentTensor> | undefined;
  const live = new Set<HeldState>();
  // the state `read` returned last and the handles it was copied from
  let copied: { readonly state: OptimizerState; readonly held: HeldState } | undefined;

  const handles = (h: HeldState) => [...Object.values(h.params), ...Object.values(h.state)];
  const usable = (h: HeldState) => handles(h).every((t) => t.consumedBy === undefined && !t.disposed);
  const drop = (h: HeldState) => {
    handles(h).forEach((t) => rt.dispose(t));
    live.delete(h);
  };
  const upload = (values: Readonly<Record<string, ArrayLike<number>>>, shapeOf: (name: string) => readonly number[] | undefined) =>
    Object.fromEntries(Object.entries(values).map(([k, v]) => [k, rt.upload(v, shapeOf(k) ?? [v.length])]));
  const specShape = (input: string) => stepPlan.inputSpecs.find((x) => x.name === input)?.shape;

  const hold = (s: OptimizerState): HeldState => {
    if (copied?.state === s && live.has(copied.held) && usable(copied.held)) return copied.held;
    const h: HeldState = {
      step: s.step,
      params: upload(s.params, (k) => specShape(names.param(k))),
      state: upload(s.state, (k) => specShape(names.state(k))),
    };
    live.add(h);
    return h;
  };

  const steps: ResidentSteps['steps'] = async (h, given) => {
    const k = given.length;
    const prepared = parts.prepareCall(h.step, given, k);
    if (E.isLeft(prepared)) return prepared;
    fixed ??= upload(Object.fromEntries(Object.entries(parts.fixedFeeds).filter(([n]) => reads(n))), specShape);
    const held = {
      ...Object.fromEntries(Object.entries(h.params).map(([p, t]) => [names.param(p), t])),
      ...Object.fromEntries(Object.entries(h.state).map(([p, t]) => [names.state(p), t])),
    };
    const inputs = Object.fromEntries(Object.entries(held).filter(([n]) => reads(n)));
    const exe = prepared.right.exe as WasmExecutable;
    const out = await exe.call({ ...prepared.right.feeds, ...fixed, ...inputs }, { donate: Object.keys(inputs) });
    if (E.isLeft(out)) return out;
    live.delete(h);
    // a leaf the step never reads comes back unchanged: its handle carries over
    const next = (name: string, old: ResidentTensor) => (reads(name) ? out.right[name] : old);
    const result: HeldState = {
      step: h.step + k,
      params: Object.fromEntries(Object.entries(h.params).map(([p, t]) => [p, next(names.param(p), t)])),
      state: Object.fromEntries(Object.entries(h.state).map(([p, t]) => [p, next(names.state(p), t)])),
    };
    live.add(result);
    const kept = new Set(handles(result));
    const stepMetrics = Object.fromEntries(programs.metrics.map((m) => [m, orThrow(rt.read(out.right[names.metric(m)]))]));
    for (const t of Object.values(out.right)) if (!kept.has(t)) rt.dispose(t);
    return E.right({ held: result, stepMetrics });
  };

  const read: ResidentSteps['read'] = (h, stepMetrics) => {
    const state: OptimizerState = {
      params: Object.fromEntries(Object.entries(h.params).map(([p, t]) => [p, orThrow(rt.read(t))])),
      state: Object.fromEntries(Object.entries(h.state).map(([p, t]) => [p, orThrow(rt.read(t))])),
      step: h.step,
      ...(stepMetrics && programs.metrics.length
        ? { metrics: Object.fromEntries(programs.metrics.map((m) => [m, stepMetrics[m][stepMetrics[m].length - 1]])), stepMetrics }
        : {}),
    };
    // only the latest copy is remembered: older held states are freed unless a step still needs them
    if (copied && copied.held !== h && live.has(copied.held)) drop(copied.held);
    copied = { state, held: h };
    return state;
  };

  return {
    hold,
    steps,
    read,
    destroy: () => {
      [...live].forEach(drop);
      Object.values(fixed ?? {}).forEach((t) => rt.dispose(t));
      fixed = undefined;
      copied = undefined;
    },
  };
};
