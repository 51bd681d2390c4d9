import type { Program } from '../dsl/program.js';
import type { Plan } from './plan.js';
import { toIR } from './ir.js';
import { lowerTraced } from './lower.js';
import { kernelIR } from './kernel-ir/index.js';
import { renderModules } from './wasm/modules.js';
import type { Kernel } from './kernel-ir/types.js';

/** The kernel IR's wasm modules, or why they could not be rendered. */
const withWasm = (plan: Plan, kernels: readonly Kernel[]): Plan => {
  try {
    return { ...plan, kernelIR: kernels, wasm: renderModules(kernels) };
  } catch (e) {
    return { ...plan, kernelIR: kernels, wasmError: (e as Error).message };
  }
};

/** Compile a program to a plan: CSE, dead-code removal, fusion, gpu.js source, kernel IR and its wasm modules. Pure. */
export const compile = (prog: Program): Plan => {
  const ir = toIR(prog);
  const { plan, traces, bufferOfNode } = lowerTraced(ir, prog.inputs);
  let kernels: Kernel[];
  try {
    kernels = kernelIR(ir, plan, traces, bufferOfNode);
  } catch (e) {
    // the gpu.js kernels still run; the wasm backend refuses this plan with the reason
    return { ...plan, kernelIRError: (e as Error).message };
  }
  return withWasm(plan, kernels);
};
