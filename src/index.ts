// graft: programs as values (dsl), compiled to fused gpu.js kernels (compiler), run by the runtime.
export * as dsl from './dsl/index.js';
export * from './dsl/index.js';
export * from './compiler/index.js';
export * from './runtime/index.js';
