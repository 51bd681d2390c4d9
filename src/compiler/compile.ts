import type { Program } from '../dsl/program.js';
import type { Plan } from './plan.js';
import { toIR } from './ir.js';
import { lowerTraced } from './lower.js';
import { kernelIR } from './kernel-ir/index.js';

/** Compile a program to a plan: CSE, dead-code removal, fusion, gpu.js source and kernel IR. Pure. */
export const compile = (prog: Program): Plan => {
  const ir = toIR(prog);
  const { plan, traces, bufferOfNode } = lowerTraced(ir, prog.inputs);
  try {
    return { ...plan, kernelIR: kernelIR(ir, plan, traces, bufferOfNode) };
  } catch (e) {
    // the gpu.js kernels still run; the wasm backend refuses this plan with the reason
    return { ...plan, kernelIRError: (e as Error).message };
  }
};
