// A transform over named parameters, as two programs: init (params -> state) and step
// (params, grads, state, per-step keys, fixed inputs -> new params, new state). Pure: nothing runs.
import * as E from 'fp-ts/lib/Either.js';
import * as g from '../dsl/index.js';
import type { BuildError, DType, Program, Shape, Tensor } from '../dsl/index.js';
import type { StepContext, Transform } from './transform.js';
import type { ParamTree, StateTree } from './tree.js';
import { flattenState, globalOffsets, unflattenState, zipTrees } from './tree.js';

export interface FixedInput {
  readonly shape: Shape;
  readonly dtype: DType;
  readonly values: ArrayLike<number>;
}

export interface StepPrograms {
  /** Undefined for a stateless transform. */
  readonly init: Program | undefined;
  readonly step: Program;
  readonly params: readonly string[];
  /** Flat state paths, e.g. `0/mu/encoder.weight`. */
  readonly state: readonly string[];
  /** Seeds whose per-step key the driver feeds as input `key:<seed>` = randomKey(seed, step). */
  readonly keySeeds: readonly number[];
  /** Inputs fed unchanged every step, by input name. */
  readonly fixed: Readonly<Record<string, FixedInput>>;
  /** Metric outputs (`m:loss` and the objective's), when gradients come from an objective. */
  readonly metrics: readonly string[];
}

/**
 * Where gradients come from when they are not inputs: a loss over the parameters (trainable and
 * frozen) and extra inputs such as a batch, differentiated in the same program (forward, backward
 * and update compile together).
 */
export interface Objective {
  readonly inputs: Readonly<Record<string, { readonly shape: Shape; readonly dtype: DType }>>;
  /** Frozen parameters: read by the loss, never updated, no optimizer state. */
  readonly frozen?: Readonly<Record<string, Shape>>;
  readonly build: (params: ParamTree, inputs: Readonly<Record<string, Tensor>>) => { readonly loss: Tensor; readonly metrics?: Readonly<Record<string, Tensor>> };
}

/** Input and output names of a compiled step. */
export const names = {
  param: (n: string) => `p:${n}`,
  grad: (n: string) => `g:${n}`,
  input: (n: string) => `x:${n}`,
  metric: (n: string) => `m:${n}`,
  state: (path: string) => `s:${path}`,
  key: (seed: number) => `key:${seed}`,
  fixed: (n: string) => `f:${n}`,
} as const;

const recordingContext = (offsets: Record<string, number>, keys: Map<number, Tensor>, fixed: Map<string, FixedInput & { tensor: Tensor }>, declared: Readonly<Record<string, Tensor>>): StepContext => ({
  stepKey: (seed) => {
    const name = names.key(seed);
    if (!keys.has(seed)) keys.set(seed, declared[name] ?? g.input(name, [], 'i32'));
    return keys.get(seed)!;
  },
  offsetOf: (n) => offsets[n],
  fixedInput: (n, shape, dtype, values) => {
    const name = names.fixed(n);
    if (!fixed.has(name)) fixed.set(name, { shape, dtype, values, tensor: declared[name] ?? g.input(name, shape, dtype) });
    return fixed.get(name)!.tensor;
  },
});

/**
 * Build both programs; any op, shape or hyperparameter error comes back as Left. `offsets` overrides each parameter's
 * global element offset (a shard's piece of a parameter starts inside it); default: name order over `shapes`.
 */
export const buildStep = (transform: Transform<any>, shapes: Readonly<Record<string, Shape>>, objective?: Objective, offsets?: Readonly<Record<string, number>>): E.Either<BuildError, StepPrograms> => {
  const paramNames = Object.keys(shapes);
  const paramDecl = Object.fromEntries(paramNames.map((n) => [names.param(n), shapes[n]]));
  let stateless = false;
  const init = g.program(paramDecl, (inputs) => {
    const params: ParamTree = Object.fromEntries(paramNames.map((n) => [n, inputs[names.param(n)]]));
    const leaves = flattenState(transform.init(params));
    stateless = Object.keys(leaves).length === 0;
    // a program needs an output: a stateless transform's init is dropped below
    return stateless ? { none: g.scalar(0) } : Object.fromEntries(Object.entries(leaves).map(([path, t]) => [names.state(path), t]));
  });
  if (E.isLeft(init)) return init;
  const stateSpecs = stateless ? [] : Object.entries(init.right.outputs).map(([name, t]) => [name, { shape: t.shape, dtype: t.dtype }] as const);

  const frozen = Object.keys(objective?.frozen ?? {});
  const gradDecl = objective
    ? { ...Object.fromEntries(frozen.map((n) => [names.param(n), objective.frozen![n]])), ...Object.fromEntries(Object.entries(objective.inputs).map(([k, v]) => [names.input(k), v])) }
    : Object.fromEntries(paramNames.map((n) => [names.grad(n), shapes[n]]));
  const stepWith = (extra: Record<string, { shape: Shape; dtype: DType }>, keys: Map<number, Tensor>, fixed: Map<string, FixedInput & { tensor: Tensor }>) =>
    g.program({ ...paramDecl, ...gradDecl, ...Object.fromEntries(stateSpecs), ...extra }, (inputs) => {
      const params: ParamTree = Object.fromEntries(paramNames.map((n) => [n, inputs[names.param(n)]]));
      let grads: ParamTree;
      let metrics: Record<string, Tensor> = {};
      if (objective) {
        const all = { ...params, ...Object.fromEntries(frozen.map((n) => [n, inputs[names.param(n)]])) };
        const out = objective.build(all, Object.fromEntries(Object.keys(objective.inputs).map((k) => [k, inputs[names.input(k)]])));
        grads = g.grad(out.loss, params);
        metrics = { [names.metric('loss')]: out.loss, ...Object.fromEntries(Object.entries(out.metrics ?? {}).map(([k, t]) => [names.metric(k), t])) };
      } else grads = Object.fromEntries(paramNames.map((n) => [n, inputs[names.grad(n)]]));
      // the state's structure comes from init; its leaves are this program's inputs
      const like = transform.init(params) as StateTree;
      const state = unflattenState(like, Object.fromEntries(Object.keys(flattenState(like)).map((path) => [path, inputs[names.state(path)]])));
      const ctx = recordingContext(offsets ? { ...offsets } : globalOffsets(params), keys, fixed, inputs);
      const [updates, next] = transform.update(grads, state, params, ctx);
      const newParams = zipTrees('update', params, updates, (p, u) => g.add(p, u));
      const leaves = flattenState(next);
      return {
        ...Object.fromEntries(paramNames.map((n) => [names.param(n), newParams[n]])),
        ...Object.fromEntries(Object.entries(leaves).map(([path, t]) => [names.state(path), t])),
        ...metrics,
      };
    });

  // first pass finds the per-step keys and fixed inputs the transform asks for; the second declares them
  const keys = new Map<number, Tensor>();
  const fixed = new Map<string, FixedInput & { tensor: Tensor }>();
  const probe = stepWith({}, keys, fixed);
  if (E.isLeft(probe) && probe.left.kind !== 'unknown-input') return probe;
  const extra = {
    ...Object.fromEntries([...keys.keys()].map((seed) => [names.key(seed), { shape: [], dtype: 'i32' as const }])),
    ...Object.fromEntries([...fixed].map(([name, f]) => [name, { shape: f.shape, dtype: f.dtype }])),
  };
  const fixedSpecs = new Map<string, FixedInput & { tensor: Tensor }>();
  const step = stepWith(extra, new Map(), fixedSpecs);
  if (E.isLeft(step)) return step;
  return E.right({
    init: stateless ? undefined : init.right,
    step: step.right,
    params: paramNames,
    state: stateSpecs.map(([name]) => name.slice(2)),
    keySeeds: [...keys.keys()],
    fixed: Object.fromEntries([...fixed].map(([name, f]) => [name, { shape: f.shape, dtype: f.dtype, values: f.values }])),
    metrics: Object.keys(step.right.outputs).filter((k) => k.startsWith('m:')).map((k) => k.slice(2)),
  });
};
