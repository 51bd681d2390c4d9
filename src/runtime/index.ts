export type { BackendChoice, BackendName, BackendReport } from './backend.js';
export { BACKEND_ENV, selectBackend, probeWebGPU, parseBackendChoice } from './backend.js';
export type { Executable, ExecutionInfo, LoopSpec, LoopFeeds } from './execute.js';
export { gridKernels } from './execute.js';
export type { Runtime, RuntimeOptions } from './runtime.js';
export { createRuntime } from './runtime.js';
export type { Outputs } from './tensor-value.js';
