// Runs a plan's kernel IR through the wasm renderer on one thread, in one heap, its index spaces split at given
// points: what the wasm render tests compare with the interpreter's bits, whatever split of the outputs.
import type { Plan } from '../../../src/compiler/plan.js';
import { renderWasm } from '../../../src/compiler/wasm/render.js';
import { WasmHeap } from '../../../src/runtime/wasm/heap.js';
import { instantiate } from '../../../src/runtime/wasm/instance.js';

export const OPTIONS = { maxPages: 256 };

/** Runs every kernel of `plan` on one thread, its index space split at `cuts`; the outputs by name. */
export const runPlan = (plan: Plan, feeds: Readonly<Record<string, Float32Array>>, cuts: readonly number[]): Record<string, Float32Array> => {
  const heap = new WasmHeap(OPTIONS.maxPages, 4);
  const at = new Map<number, number>();
  const addr = (b: number) => at.get(b) ?? (at.set(b, heap.alloc(plan.buffers[b].size * 4, `buffer ${b}`)), at.get(b)!);
  for (const [name, b] of Object.entries(plan.inputs)) heap.f32(addr(b), plan.buffers[b].size).set(feeds[name]);
  for (const k of plan.kernelIR!) {
    const run = instantiate(renderWasm(k, OPTIONS), heap.memory).run;
    const bounds = [0, ...cuts.filter((c) => c < k.size), k.size];
    for (let j = 0; j + 1 < bounds.length; j++) run(k.params.map(addr), bounds[j], bounds[j + 1]);
  }
  return Object.fromEntries(Object.entries(plan.outputs).map(([name, b]) => [name, heap.f32(addr(b), plan.buffers[b].size).slice()]));
};
