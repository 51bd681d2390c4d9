export type { Plan, PlanBuffer, PlanKernel, BufferKind } from './plan.js';
export { describePlan } from './plan.js';
export { compile } from './compile.js';
export type { StoredModule, WasmModules } from './wasm/modules.js';
export { WASM_MAX_PAGES, contentHash, matchesKernels, moduleBytes, renderModules } from './wasm/modules.js';
