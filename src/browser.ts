// graft for browsers (the `npm run build` browser bundle): programs, the compiler, optimizers, layers
// and the wasm runtime on the page's thread. Left out: files, the CLI, worker threads, Dawn, gpu.js.
export * as dsl from './dsl/index.js';
export * from './dsl/index.js';
export * from './compiler/index.js';
export * as optim from './optim/index.js';
export * as nn from './nn/index.js';
export type { BrowserRuntimeOptions } from './runtime/browser.js';
export { createBrowserRuntime } from './runtime/browser.js';
export type { WasmRuntime, WasmExecutable, CallOptions, ResidentInputs, Outputs, LoopSpec, LoopFeeds, Runtime } from './runtime/index.js';
export { ResidentTensor, TensorError } from './runtime/wasm/tensors.js';
export { OutOfMemoryError } from './runtime/wasm/heap.js';
export type { OptimizerRunner, OptimizerState, Values } from './train/optimizer-runner.js';
export { createOptimizerRunner } from './train/optimizer-runner.js';
