// `graft/compile`, the package export for building ahead-of-time modules from code (what
// `graft compile` does, without the files): used by examples/browser/prepare.ts.
export type { CompiledModule } from './compile-module.js';
export { compileModule } from './compile-module.js';
export type { Platform } from './bundle.js';
export type { Target } from './module-data.js';
