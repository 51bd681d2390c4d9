// Lowering a graph to graft's kernel IR (see types.ts), and reading kernels back for people.
import type { IR } from '../ir.js';
import type { KernelTrace } from '../lower.js';
import type { Plan } from '../plan.js';
import { singleKernels } from './lower.js';
import { mergeKernels } from './merge.js';
import { simplifyKernel } from './simplify.js';
import type { Kernel } from './types.js';

export type { Kernel, KNode, KStore, KType, KUnary, KBinary } from './types.js';
export { allNodes, operands } from './types.js';

/** The plan's kernels in kernel IR, merged into multi-output kernels where they share an index space. */
export const kernelIR = (ir: IR, plan: Plan, traces: readonly KernelTrace[], bufferOfNode: ReadonlyMap<number, number>): Kernel[] => {
  const outputs = new Set(Object.values(plan.outputs));
  return mergeKernels(singleKernels(ir, plan, traces, bufferOfNode), (b) => outputs.has(b)).map(simplifyKernel);
};
