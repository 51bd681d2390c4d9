// The walk over a plan's kernels for backends whose kernels return their output (gpu.js, and the
// gpu.js sources an ahead-of-time module runs as plain JavaScript): steps, per-step feeds, carries,
// collected outputs. Free of fp-ts and gpu.js, so an ahead-of-time module bundles it.
import type { Plan } from '../compiler/plan.js';
import type { LoopSpec } from './loop-feeds.js';
import { concatFloat32, toFloat32 } from './tensor-value.js';

/** The name under which a collected output of step `s` travels until the run concatenates them. */
const stepKey = (name: string, s: number) => `${name}@${s}`;

/** Runs kernel `i` of the plan on its arguments (or records the call, in a gpu.js pipeline). */
export type KernelCall<K> = (kernel: K, args: unknown[]) => unknown;

/** Walk the plan's kernels `steps` times from `initial` (buffer id -> value); outputs by name, collected ones per step under their step keys. */
export const walkPlan = <K>(plan: Pick<Plan, 'kernels' | 'inputs' | 'outputs'>, kernels: readonly K[], loop: LoopSpec, initial: Map<number, unknown>, perStep: (s: number, name: string) => unknown, call: KernelCall<K>): Record<string, unknown> => {
  const bufs = new Map(initial);
  let outs: Record<string, unknown> = {};
  const collected: Record<string, unknown> = {};
  for (let s = 0; s < loop.steps; s++) {
    for (const name of loop.perStep ?? []) bufs.set(plan.inputs[name], perStep(s, name));
    plan.kernels.forEach((k, i) => bufs.set(k.output, call(kernels[i], k.args.map((b) => bufs.get(b)))));
    outs = Object.fromEntries(Object.entries(plan.outputs).map(([name, b]) => [name, bufs.get(b)]));
    for (const name of loop.collect ?? []) collected[stepKey(name, s)] = outs[name];
    for (const [input, output] of Object.entries(loop.carry)) bufs.set(plan.inputs[input], outs[output]);
  }
  return { ...outs, ...collected };
};

/**
 * A walk's outputs as the caller gets them: collected outputs concatenated in step order, and every
 * name its own array (an output that is a fed input or constant, or that CSE merged with another, is copied).
 */
export const finishOutputs = (outs: Record<string, unknown>, loop: LoopSpec, fed: Iterable<unknown>): Record<string, Float32Array> => {
  const named = { ...outs };
  for (const name of loop.collect ?? []) {
    const parts = Array.from({ length: loop.steps }, (_, s) => toFloat32(named[stepKey(name, s)] as ArrayLike<number>));
    for (let s = 0; s < loop.steps; s++) delete named[stepKey(name, s)];
    named[name] = concatFloat32(parts);
  }
  const taken = new Set<unknown>(fed);
  return Object.fromEntries(Object.entries(named).map(([k, v]) => {
    const arr = taken.has(v) ? (v as Float32Array).slice() : toFloat32(v as ArrayLike<number>);
    taken.add(arr);
    return [k, arr];
  }));
};
