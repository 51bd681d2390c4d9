import type { Plan } from '../compiler/plan.js';
import type { BackendChoice, BackendReport } from './backend.js';
import { selectBackend } from './backend.js';
import type { Executable, LoopSpec } from './execute.js';
import { prepare } from './execute.js';
import { newGpu } from './gpu.js';
import { createWasmRuntime } from './wasm/runtime.js';
import { createWebGPURuntime } from './webgpu/runtime.js';

export interface Runtime {
  readonly report: BackendReport;
  /** Build the kernels of a plan once; run it many times. */
  load(plan: Plan): Executable;
  /** A plan run `steps` times per call over state kept on the backend between steps. */
  loop(plan: Plan, spec: LoopSpec): Executable;
  destroy(): void;
}

export interface RuntimeOptions {
  /** Overrides $GRAFT_BACKEND; default 'auto'. */
  readonly backend?: BackendChoice;
  /** wasm only: the most memory the runtime may grow to, in bytes (default 4 GiB). */
  readonly maxMemoryBytes?: number;
  /** wasm only: threads kernels run on, the caller's included (default $GRAFT_THREADS, else every core). */
  readonly threads?: number;
  /** wasm only: tiled matmuls use relaxed-simd FMA where the engine has it (default $GRAFT_FMA=1; changes bits). */
  readonly fma?: boolean;
  /** webgpu only: the most bytes one tensor may take (default: what the adapter binds). */
  readonly maxBufferBytes?: number;
  /** webgpu only: the most buffers one kernel binds (default: what the adapter allows); more are packed. */
  readonly maxStorageBuffers?: number;
  /** wasm only: time every kernel dispatch (see WasmRuntime.profile). */
  readonly profile?: boolean;
  /** webgpu only: matmuls as workgroup-tiled shaders (default true; false: one invocation per element, same bits). */
  readonly tiledMatmul?: boolean;
  /** webgpu only: long contiguous sums and maxima as workgroup tree reductions (default true; false: wasm's order, same bits). */
  readonly treeReduce?: boolean;
}

export const createRuntime = async (options: RuntimeOptions = {}): Promise<Runtime> => {
  const report = await selectBackend(options.backend);
  if (report.requested !== 'auto' && report.backend !== report.requested) {
    console.warn(`graft: backend ${report.requested} was requested but ${report.backend} will run: ${report.fallbackReason}`);
  }
  if (report.backend === 'wasm') return createWasmRuntime(report, options);
  if (report.backend === 'webgpu') return createWebGPURuntime(report, options);
  const gpu = newGpu(report.backend);
  const loaded = new Set<Executable>();
  // an executable destroyed by its owner leaves the set, so destroy() never frees it twice
  const keep = (e: Executable): Executable => {
    const tracked: Executable = { ...e, destroy: () => loaded.delete(tracked) && e.destroy() };
    loaded.add(tracked);
    return tracked;
  };
  return {
    report,
    load: (plan) => keep(prepare(gpu, report, plan)),
    loop: (plan, spec) => keep(prepare(gpu, report, plan, spec)),
    destroy: () => {
      [...loaded].forEach((e) => e.destroy());
      gpu.destroy();
    },
  };
};
