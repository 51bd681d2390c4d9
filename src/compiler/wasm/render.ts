// Kernel IR -> one WebAssembly module: `run(...buffer byte offsets, begin, end)` over elements
// [begin, end) of the kernel's index space, in an imported shared memory. Values that do not
// depend on the element are computed once before the loops; the main loop runs four elements per
// iteration in f32x4/i32x4 (ops without a SIMD form run lane by lane), and a scalar loop takes
// the tail. Both loops perform the same IEEE f32 and exact 32-bit integer operations per element,
// so a result never depends on how [begin, end) was split.
import type { Kernel } from '../kernel-ir/types.js';
import { kernelWork } from '../kernel-ir/work.js';
import { encodeModule } from './encoder.js';
import type { HostMath } from './ops-scalar.js';
import { KernelEmitter } from './emitter.js';
import { TiledEmitter, tiledUnits, Untileable } from './render-matmul.js';

export { HOST_MATH } from './ops-scalar.js';
export type { HostMath } from './ops-scalar.js';

export interface RenderedKernel {
  readonly name: string;
  readonly bytes: Uint8Array<ArrayBuffer>;
  /** Plan buffers passed as byte offsets, in parameter order (then begin, end). */
  readonly params: readonly number[];
  /** Work units `run` takes: elements, or for a tiled matmul its row tiles (render-matmul.ts). */
  readonly size: number;
  /** Ranges split across threads in multiples of this many units. */
  readonly granule: number;
  readonly imports: readonly HostMath[];
  /** How the kernel was rendered: per element, or as register tiles (rows x columns, with or without FMA). */
  readonly schedule: string;
  /** Node evaluations over the whole index space (kernel-ir/work.ts): what a runtime weighs before splitting it across threads. */
  readonly work: number;
  /** Plan buffers the kernel writes, in store order. */
  readonly stores: readonly number[];
  /** Whether the module uses relaxed-simd (tiled matmuls rendered with FMA). */
  readonly relaxedSimd: boolean;
}

export interface RenderOptions {
  /** The shared memory's maximum, in 64 KiB pages (the import must declare it). */
  readonly maxPages: number;
  /** Tiled matmuls accumulate with relaxed-simd fused multiply-add (other bits than the per-element sum). */
  readonly fma?: boolean;
}

export { RenderError } from './emitter.js';

/** Renders and validates one kernel; a renderer bug is an error naming the kernel, never a wrong module. */
export const renderWasm = (k: Kernel, options: RenderOptions): RenderedKernel => {
  if (k.tiling) {
    try {
      return emit(k, options, new TiledEmitter(k, options.fma ?? false));
    } catch (err) {
      if (!(err instanceof Untileable)) throw err;
    }
  }
  return emit(k, options, new KernelEmitter(k));
};

const emit = (k: Kernel, options: RenderOptions, e: KernelEmitter): RenderedKernel => {
  e.render();
  const bytes = encodeModule({
    memory: { module: 'env', name: 'memory', min: 1, max: options.maxPages, shared: true },
    imports: e.imports.map((name) => ({ module: 'math', name, type: { params: name === 'pow' ? ['f64', 'f64'] : ['f64'], results: ['f64'] } })),
    functions: [{ type: { params: e.c.params, results: [] }, code: e.c, export: 'run' }],
  });
  if (!WebAssembly.validate(bytes)) {
    let why = 'invalid module';
    try {
      new WebAssembly.Module(bytes);
    } catch (err) {
      why = (err as Error).message;
    }
    e.fail(`emitted an invalid module (${why})`);
  }
  const facts = { work: kernelWork(k), stores: k.stores.map((st) => st.buffer) };
  if (e instanceof TiledEmitter) {
    const s = e.shape;
    const schedule = `tiled ${s.rows}x${4 * s.vectors}${s.step === 4 ? ' transposed' : ''}${options.fma ? ' fma' : ''}`;
    return { name: k.name, bytes, params: k.params, size: tiledUnits(k.tiling!, s), granule: 1, imports: e.imports, schedule, ...facts, relaxedSimd: options.fma ?? false };
  }
  return { name: k.name, bytes, params: k.params, size: k.size, granule: 4, imports: e.imports, schedule: 'elements', ...facts, relaxedSimd: false };
};
