// graft: programs as values (dsl), compiled to fused gpu.js kernels (compiler), run by the runtime.
export * as dsl from './dsl/index.js';
export * from './dsl/index.js';
export * from './compiler/index.js';
export * from './runtime/index.js';
export * as optim from './optim/index.js';
export { createOptimizerRunner } from './train/optimizer-runner.js';
export type { OptimizerRunner, OptimizerState } from './train/optimizer-runner.js';
export * as shard from './shard/index.js';
