// graft, the package root: programs as values (dsl), compiled to fused kernels (compiler), run by
// the runtime; layers and models (nn), the training loop (train). As the package entry it may
// re-export every layer: nothing inside src/ imports it.
export * as dsl from './dsl/index.js';
export * from './dsl/index.js';
export * from './compiler/index.js';
export * from './runtime/index.js';
export * as optim from './optim/index.js';
export * as nn from './nn/index.js';
export * from './train/index.js';
export * as shard from './shard/index.js';
