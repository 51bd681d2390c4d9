// The step loop over a plan's buffers in the runtime's memory: uploads, kernels (fresh blocks for
// what they store, or an input's block taken over in place), collected outputs, carries. The one
// loop both the wasm backend (executable.ts, which adds resident handles and donation through the
// `inPlace` hook) and ahead-of-time modules run; free of fp-ts and the compiler for the latter.
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

/** Where a kernel may write an output over an input's block (executable.ts): which kernels have candidates, and the taking. */
export interface InPlace<F extends Frame> {
  readonly kernels: readonly boolean[];
  /** A block for output buffer `out` of kernel `ki` at step `s`, or undefined for a fresh one. */
  readonly take: (f: F, ki: number, out: number, s: number, written: ReadonlySet<number>, taken: Set<number>) => number | undefined;
}

export interface PlanSteps<F extends Frame> {
  /** Copies host values into a fresh block for `buffer`, owned by the call. */
  readonly upload: (f: F, values: ArrayLike<number>, buffer: number, what: () => string) => void;
  /** Runs every step; returns the collected outputs' values per step. Blocks left owned by `f` are the caller's to free. */
  readonly steps: (f: F, each: readonly Float32Array[][]) => Promise<Record<string, Float32Array[]>>;
  /** One call on host values into frame `f`: upload, every step, outputs (collected ones concatenated) copied out, the call's blocks freed. */
  readonly runOnHost: (f: F, once: Readonly<Record<string, Float32Array>>, each: readonly Float32Array[][]) => Promise<Record<string, Float32Array>>;
}

/** `uploaded`: told the elements of every upload (the wasm backend's traffic counter). */
export const planSteps = <F extends Frame = Frame>(heap: WasmHeap, plan: Pick<Plan, 'inputs' | 'outputs' | 'buffers'>, kernels: readonly KernelInstance[], dispatch: Dispatch, loop: LoopSpec, inPlace?: InPlace<F>, uploaded?: (elements: number) => void): PlanSteps<F> => {
  const perStepNames = loop.perStep ?? [];
  const onceNames = Object.keys(plan.inputs).filter((n) => !perStepNames.includes(n));
  const sizeOfBuffer = (b: number) => plan.buffers[b].size;
  // per-call work kept small (a 256-element op costs a few microseconds): argument arrays reused, sets made only where needed
  const args = kernels.map((k) => new Array<number>(k.kernel.params.length));
  const noSet: Set<number> = new Set();
  const carries = Object.entries(loop.carry).map(([input, output]) => [plan.inputs[input], plan.outputs[output]] as const);
  const inPlaceAny = inPlace?.kernels.some((x) => x) ?? false;

  const upload = (f: F, values: ArrayLike<number>, buffer: number, what: () => string): void => {
    const addr = heap.alloc(sizeOfBuffer(buffer) * 4, what);
    heap.f32(addr, sizeOfBuffer(buffer)).set(values);
    uploaded?.(sizeOfBuffer(buffer));
    f.owned.add(addr);
    f.at.set(buffer, addr);
  };

  /** Frees blocks this call allocated that no buffer refers to any more. */
  const collectGarbage = (f: F): void => {
    const live = new Set(f.at.values());
    for (const a of f.owned) if (!live.has(a)) heap.release(a), f.owned.delete(a);
  };

  const steps = async (f: F, each: readonly Float32Array[][]): Promise<Record<string, Float32Array[]>> => {
    const collected: Record<string, Float32Array[]> = loop.collect ? Object.fromEntries(loop.collect.map((n) => [n, []])) : {};
    for (let s = 0; s < loop.steps; s++) {
      perStepNames.forEach((name, j) => upload(f, each[s][j], plan.inputs[name], () => `input '${name}' of step ${s}`));
      const written = inPlaceAny ? new Set<number>() : noSet;
      for (let ki = 0; ki < kernels.length; ki++) {
        const k = kernels[ki];
        const taken = inPlace?.kernels[ki] ? new Set<number>() : noSet;
        for (const b of k.kernel.stores) {
          const addr = (taken !== noSet && inPlace!.take(f, ki, b, s, written, taken)) || heap.alloc(sizeOfBuffer(b) * 4, () => `buffer ${b} (${plan.buffers[b].kind}, shape [${plan.buffers[b].shape.join(', ')}]) of kernel ${k.kernel.name}`);
          f.owned.add(addr);
          f.at.set(b, addr);
          if (written !== noSet) written.add(b);
        }
        const a = args[ki];
        for (let j = 0; j < a.length; j++) a[j] = f.at.get(k.kernel.params[j])!;
        // a promise when the workers are awaited asynchronously: the next kernel reads what they write
        const pending = dispatch.run(ki, a);
        if (pending) await pending;
      }
      for (const name of loop.collect ?? []) collected[name].push(heap.f32(f.at.get(plan.outputs[name])!, sizeOfBuffer(plan.outputs[name])).slice());
      const outs = carries.map(([input, output]) => [input, f.at.get(output)!] as const);
      for (const [input, addr] of outs) f.at.set(input, addr);
      // intermediates of this step are dead (plan outputs stay in the table); after the last step the caller frees them
      if (s < loop.steps - 1) collectGarbage(f);
    }
    return collected;
  };

  const runOnHost = async (f: F, once: Readonly<Record<string, Float32Array>>, each: readonly Float32Array[][]): Promise<Record<string, Float32Array>> => {
    try {
      onceNames.forEach((name) => upload(f, once[name], plan.inputs[name], () => `input '${name}'`));
      const collected = await steps(f, each);
      const out: Record<string, Float32Array> = {};
      for (const [name, b] of Object.entries(plan.outputs)) out[name] = heap.f32(f.at.get(b)!, sizeOfBuffer(b)).slice();
      for (const [name, parts] of Object.entries(collected)) out[name] = concatFloat32(parts);
      return out;
    } finally {
      for (const a of f.owned) heap.release(a);
    }
  };

  return { upload, steps, runOnHost };
};
