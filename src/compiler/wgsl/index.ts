// Kernel IR -> WGSL compute shaders (the WebGPU backend's renderer).
export type { RenderedWgsl } from './render.js';
export { renderWgsl, WgslRenderError } from './render.js';
export { splitByBindings } from './split.js';
export { NOT_BIT_IDENTICAL } from './ops.js';
export { WORKGROUP_SIZE, dispatchFor } from './grid.js';
