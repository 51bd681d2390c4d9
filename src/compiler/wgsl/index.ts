// Kernel IR -> WGSL compute shaders (the WebGPU backend's renderer).
export type { RenderedWgsl } from './render.js';
export type { RenderOptions } from './render.js';
export { renderWgsl, WgslRenderError, PACK } from './render.js';
export type { Packing } from './pack.js';
export { packingFor } from './pack.js';
export { splitByBindings } from './split.js';
export { NOT_BIT_IDENTICAL } from './ops.js';
export { WORKGROUP_SIZE, dispatchFor } from './grid.js';
export { MIN_TREE_LENGTH, reductionWorkgroup } from './render-reduce.js';
