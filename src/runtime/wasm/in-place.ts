// Which outputs may be written over an input's block: a kernel that stores buffer `out` and reads
// input `from` only at the element it writes (an optimizer's p, m, v) can take `from`'s memory
// when the caller donated it (no new block, and the step touches one array where it touched two).
import type { Plan } from '../../compiler/plan.js';
import type { Kernel } from '../../compiler/kernel-ir/types.js';
import { allNodes } from '../../compiler/kernel-ir/types.js';
import type { LoopSpec } from '../execute.js';

/** Per kernel: stored buffer -> input buffers whose block it may take, best first. */
export type InPlace = readonly ReadonlyMap<number, readonly number[]>[];

/** Whether every load of `buffer` in `k` reads the element the kernel writes. */
const readsOnlyOwnElement = (k: Kernel, buffer: number): boolean => {
  const nodes = allNodes(k.nodes);
  const index = nodes.find((n) => n.op === 'index');
  return index !== undefined && nodes.every((n) => n.op !== 'load' || n.buffer !== buffer || n.index === index.id);
};

export const inPlaceCandidates = (plan: Plan, kernels: readonly Kernel[], loop: LoopSpec): InPlace => {
  const outputs = new Set(Object.values(plan.outputs));
  const nameOf = new Map(Object.entries(plan.outputs).map(([n, b]) => [b, n]));
  const inputName = new Map(Object.entries(plan.inputs).map(([n, b]) => [b, n]));
  const readers = new Map<number, number>();
  for (const k of kernels) for (const p of new Set(k.params)) readers.set(p, (readers.get(p) ?? 0) + 1);
  return kernels.map((k) => {
    const stored = new Set(k.stores.map((s) => s.buffer));
    // an input that is also an output would see its new value; one another kernel reads must keep its old one
    const inputs = k.params.filter((b) => {
      const buf = plan.buffers[b];
      return buf.kind === 'input' && !stored.has(b) && !outputs.has(b) && readers.get(b) === 1 && buf.size === k.size && readsOnlyOwnElement(k, b);
    });
    // the input this output replaces (same name, or carried from it) first: p' over p, m' over m
    const replaces = (out: number, b: number) => {
      const i = inputName.get(b)!;
      return i === nameOf.get(out) || loop.carry[i] === nameOf.get(out);
    };
    return new Map(
      k.stores
        .filter((s) => plan.buffers[s.buffer].size === k.size)
        .map((s) => [s.buffer, [...inputs.filter((b) => replaces(s.buffer, b)), ...inputs.filter((b) => !replaces(s.buffer, b))]] as const)
        .filter(([, c]) => c.length > 0),
    );
  });
};

/** Inputs every step reads anew from the same block: neither carried nor fed per step. */
export const onceInputBuffers = (plan: Plan, loop: LoopSpec): number[] =>
  loop.steps > 1 ? Object.entries(plan.inputs).filter(([n]) => !(n in loop.carry) && !(loop.perStep ?? []).includes(n)).map(([, b]) => b) : [];
