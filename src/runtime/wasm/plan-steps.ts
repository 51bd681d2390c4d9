// The step loop of ahead-of-time modules over a plan's buffers in the runtime's memory: uploads,
// kernels (fresh blocks for what they store), collected outputs, carries. It is executable.ts's
// loop without resident handles or donation, kept free of fp-ts and the compiler for AOT modules.
import type { Plan } from '../../compiler/plan.js';
import type { LoopSpec } from '../loop-feeds.js';
import type { Dispatch } from './dispatch.js';
import type { WasmHeap } from './heap.js';
import type { KernelInstance } from './instance.js';
import { concatFloat32 } from '../tensor-value.js';

/** Buffer id -> byte offset, and the blocks this call allocated. */
export interface Frame {
  readonly at: Map<number, number>;
  readonly owned: Set<number>;
}

/** The plan's constant buffers, copied into memory once: buffer id -> byte offset. */
export const placeConstants = (heap: WasmHeap, buffers: Plan['buffers']): Map<number, number> => {
  const constants = new Map<number, number>();
  for (const b of buffers.filter((x) => x.kind === 'constant')) {
    const addr = heap.alloc(b.size * 4, `constant buffer ${b.id}`);
    heap.f32(addr, b.size).set(b.values!);
    constants.set(b.id, addr);
  }
  return constants;
};

export interface PlanSteps {
  /** Copies host values into a fresh block for `buffer`, owned by the call. */
  readonly upload: (f: Frame, values: ArrayLike<number>, buffer: number, what: () => string) => void;
  /** Frees blocks this call allocated that no buffer refers to any more. */
  readonly collectGarbage: (f: Frame, keep?: ReadonlySet<number>) => void;
  /** Runs every step; returns the collected outputs' values per step. */
  readonly steps: (f: Frame, each: readonly Float32Array[][]) => Record<string, Float32Array[]>;
  /** One call on host values: upload, every step, outputs (collected ones concatenated) copied out, the call's blocks freed. */
  readonly runOnHost: (constants: ReadonlyMap<number, number>, once: Readonly<Record<string, Float32Array>>, each: readonly Float32Array[][]) => Record<string, Float32Array>;
}

export const planSteps = (heap: WasmHeap, plan: Pick<Plan, 'inputs' | 'outputs' | 'buffers'>, kernels: readonly KernelInstance[], stores: readonly (readonly number[])[], dispatch: Dispatch, loop: LoopSpec): PlanSteps => {
  const perStepNames = loop.perStep ?? [];
  const sizeOfBuffer = (b: number) => plan.buffers[b].size;

  const upload = (f: Frame, values: ArrayLike<number>, buffer: number, what: () => string): void => {
    const addr = heap.alloc(sizeOfBuffer(buffer) * 4, what);
    heap.f32(addr, sizeOfBuffer(buffer)).set(values);
    f.owned.add(addr);
    f.at.set(buffer, addr);
  };

  /** Frees blocks this call allocated that no buffer refers to any more. */
  const collectGarbage = (f: Frame, keep: ReadonlySet<number> = new Set()): void => {
    const live = new Set([...f.at.values(), ...keep]);
    for (const a of f.owned) if (!live.has(a)) heap.release(a), f.owned.delete(a);
  };

  /** Every step: per-step inputs, kernels (fresh blocks for what they store), collected outputs, carries. */
  const steps = (f: Frame, each: readonly Float32Array[][]): Record<string, Float32Array[]> => {
    const collected: Record<string, Float32Array[]> = Object.fromEntries((loop.collect ?? []).map((n) => [n, []]));
    for (let s = 0; s < loop.steps; s++) {
      perStepNames.forEach((name, j) => upload(f, each[s][j], plan.inputs[name], () => `input '${name}' of step ${s}`));
      for (const [ki, k] of kernels.entries()) {
        for (const b of stores[ki]) {
          const addr = heap.alloc(sizeOfBuffer(b) * 4, () => `buffer ${b} (${plan.buffers[b].kind}, shape [${plan.buffers[b].shape.join(', ')}]) of kernel ${k.kernel.name}`);
          f.owned.add(addr);
          f.at.set(b, addr);
        }
        dispatch.run(ki, k.kernel.params.map((p) => f.at.get(p)!));
      }
      for (const name of loop.collect ?? []) collected[name].push(heap.f32(f.at.get(plan.outputs[name])!, sizeOfBuffer(plan.outputs[name])).slice());
      const outs = Object.fromEntries(Object.entries(loop.carry).map(([input, output]) => [input, f.at.get(plan.outputs[output])!]));
      for (const [input, addr] of Object.entries(outs)) f.at.set(plan.inputs[input], addr);
      // intermediates of this step are dead; plan outputs stay referenced by the table
      collectGarbage(f, new Set(Object.values(plan.outputs).map((b) => f.at.get(b)!)));
    }
    return collected;
  };

  const runOnHost = (constants: ReadonlyMap<number, number>, once: Readonly<Record<string, Float32Array>>, each: readonly Float32Array[][]): Record<string, Float32Array> => {
    const f: Frame = { at: new Map(constants), owned: new Set() };
    try {
      Object.keys(plan.inputs).filter((n) => !perStepNames.includes(n)).forEach((name) => upload(f, once[name], plan.inputs[name], () => `input '${name}'`));
      const collected = steps(f, each);
      const out: Record<string, Float32Array> = {};
      for (const [name, b] of Object.entries(plan.outputs)) out[name] = heap.f32(f.at.get(b)!, sizeOfBuffer(b)).slice();
      for (const [name, parts] of Object.entries(collected)) out[name] = concatFloat32(parts);
      return out;
    } finally {
      for (const a of f.owned) heap.release(a);
    }
  };

  return { upload, collectGarbage, steps, runOnHost };
};
