// Kernel IR -> one WGSL compute shader: one invocation per element of the index space, each
// computing every store of the kernel in the IR's order; accumulations loop per element in index
// order, so a sum adds the same f32 values in the same order as the wasm renderer. Matmuls render
// workgroup-tiled (render-matmul.ts, same bits) and long row sums/maxima as tree reductions
// (render-reduce.ts, another fixed order) unless turned off.
import type { Kernel } from '../kernel-ir/types.js';
import type { Dispatch } from './grid.js';
import { WORKGROUP_SIZE, dispatchFor, flatIndex } from './grid.js';
import { HELPERS } from './ops.js';
import type { Packing } from './pack.js';
import { packingFor } from './pack.js';
import { ShaderWriter } from './writer.js';
import { renderTiledWgsl } from './render-matmul.js';
import { renderTreeWgsl, treeReductions } from './render-reduce.js';

/** The binding of a kernel's pack (pack.ts) in `bindings`. */
export const PACK = -1;

export interface RenderOptions {
  /** WebGPU's maxComputeWorkgroupsPerDimension (default 65535). */
  readonly maxWorkgroupsPerDimension?: number;
  /** WebGPU's maxStorageBuffersPerShaderStage: more read-only buffers than this travel packed. */
  readonly maxBindings?: number;
  /** Element counts of plan buffers (needed to pack). */
  readonly sizeOf?: (buffer: number) => number;
  /** Kernels with a matmul tiling as workgroup-tiled shaders (default true; false: one invocation per element). */
  readonly tiledMatmul?: boolean;
  /** Long contiguous sums and maxima as workgroup tree reductions (default true; false: one invocation per element, wasm's order and bits). */
  readonly treeReduce?: boolean;
}

export interface RenderedWgsl {
  readonly name: string;
  readonly source: string;
  /** Plan buffers bound at @binding(0), (1), …, in the kernel's parameter order; PACK for the pack. */
  readonly bindings: readonly number[];
  /** Read-only buffers the runtime copies into one buffer before the dispatch, if the kernel reads too many. */
  readonly pack?: Packing;
  /** The bound buffers the shader writes (bound read_write; the rest read-only). */
  readonly writes: readonly number[];
  readonly size: number;
  readonly dispatch: Dispatch;
  /** Rendered from the kernel's matmul tiling (render-matmul.ts). */
  readonly tiled?: boolean;
  /** Rendered as a tree reduction (render-reduce.ts): invocations per workgroup, one workgroup per element. */
  readonly treeWorkgroup?: number;
}

export { WgslRenderError } from './writer.js';

/** Renders one kernel; a renderer bug is an error naming the kernel, never a wrong shader. */
export const renderWgsl = (k: Kernel, options: RenderOptions = {}): RenderedWgsl => {
  const pack = options.maxBindings !== undefined && options.sizeOf ? packingFor(k, options.maxBindings, options.sizeOf) : undefined;
  const w = new ShaderWriter(k, pack);
  for (const s of k.stores) if (w.type(s.value) !== 'f32') w.fail(`store of a ${w.type(s.value)} value`);
  const tiled = k.tiling && options.tiledMatmul !== false && k.size > 0 ? renderTiledWgsl(w, k, k.tiling, options.maxWorkgroupsPerDimension) : undefined;
  const trees = tiled || options.treeReduce === false ? [] : treeReductions(k);
  const tree = trees.length ? renderTreeWgsl(w, k, trees, options.maxWorkgroupsPerDimension) : undefined;
  const { code, dispatch } = tiled ?? tree ?? perElement(w, k, options);
  const writes = [...new Set(k.stores.map((s) => s.buffer))];
  const bindings = [...k.params.filter((b) => !pack?.buffers.includes(b)), ...(pack ? [PACK] : [])];
  const decls = bindings.map((b, i) =>
    `@group(0) @binding(${i}) var<storage, ${writes.includes(b) ? 'read_write' : 'read'}> ${b === PACK ? 'pack' : w.buffer(b)}: array<f32>;`);
  const source = [`// graft kernel ${k.name}: ${k.fused.join(' ')}${tiled ? ' (tiled)' : tree ? ' (tree reduction)' : ''}`, ...decls, ...[...w.helpers].map((h) => HELPERS[h].source), ...code, ''].join('\n');
  return { name: k.name, source, bindings, writes, size: k.size, dispatch, ...(tiled ? { tiled: true } : {}), ...(tree ? { treeWorkgroup: tree.workgroup } : {}), ...(pack ? { pack } : {}) };
};

/** One invocation per element of the index space. */
const perElement = (w: ShaderWriter, k: Kernel, options: RenderOptions): { code: string[]; dispatch: Dispatch } => {
  const dispatch = dispatchFor(k.size, options.maxWorkgroupsPerDimension);
  w.body(k.nodes, 0);
  const code = [
    `@compute @workgroup_size(${WORKGROUP_SIZE})`,
    `fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {`,
    `  ${flatIndex(dispatch.x, k.size)}`,
    ...w.lines,
    ...k.stores.map((s) => `  ${w.buffer(s.buffer)}[index] = ${w.v(s.value)};`),
    `}`,
  ];
  return { code, dispatch };
};
