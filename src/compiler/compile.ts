import type { Program } from '../dsl/program.js';
import type { Plan } from './plan.js';
import { toIR } from './ir.js';
import { lowerTraced } from './lower.js';
import { kernelIR } from './kernel-ir/index.js';
import { renderModules } from './wasm/modules.js';
import type { Kernel } from './kernel-ir/types.js';

/** The kernel IR's wasm modules, or why they could not be rendered. */
const renderedWasm = (kernels: readonly Kernel[]): Pick<Plan, 'wasm' | 'wasmError'> => {
  try {
    return { wasm: renderModules(kernels) };
  } catch (e) {
    return { wasmError: (e as Error).message };
  }
};

/**
 * The plan with its kernel IR; its wasm modules are rendered on the first read of `wasm` or
 * `wasmError` (then kept), so a plan that only gpu.js or WebGPU runs never pays for them.
 * `wasm` is enumerable (JSON and spreads carry the modules); `wasmError` is not, so a rendered plan
 * has the keys it always had (a copy of a failed plan lacks it: the wasm runtime renders again and reports the error).
 */
const withWasm = (plan: Plan, kernels: readonly Kernel[]): Plan => {
  let rendered: Pick<Plan, 'wasm' | 'wasmError'> | undefined;
  const render = () => (rendered ??= renderedWasm(kernels));
  return Object.defineProperties({ ...plan, kernelIR: kernels }, {
    wasm: { get: () => render().wasm, enumerable: true },
    wasmError: { get: () => render().wasmError, enumerable: false },
  });
};

/** Compile a program to a plan: CSE, dead-code removal, fusion, gpu.js source, kernel IR and (on first read) its wasm modules. Pure. */
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
