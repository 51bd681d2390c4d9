// The webgpu backend's runtime: one device, resident GPU buffers, plans rendered to WGSL pipelines.
import type * as E from 'fp-ts/lib/Either.js';
import type { Plan } from '../../compiler/plan.js';
import type { Shape } from '../../dsl/shape.js';
import type { BackendReport } from '../backend.js';
import type { LoopSpec } from '../execute.js';
import type { TensorError } from '../wasm/tensors.js';
import { BufferPool } from './buffers.js';
import type { GpuContext } from './device.js';
import { openDevice } from './device.js';
import type { WebGPUExecutable } from './executable.js';
import { prepareWebGPU } from './executable.js';
import type { GpuTensor } from './tensors.js';
import { GpuTensorStore } from './tensors.js';

export interface WebGPURuntime {
  readonly report: BackendReport;
  /** The adapter's name and limits. */
  readonly context: Omit<GpuContext, 'destroy' | 'device'>;
  /** `name` labels the step in errors (a donated handle names the step that consumed it). */
  load(plan: Plan, name?: string): WebGPUExecutable;
  loop(plan: Plan, spec: LoopSpec, name?: string): WebGPUExecutable;
  upload(values: ArrayLike<number>, shape?: Shape): GpuTensor;
  read(t: GpuTensor): Promise<E.Either<TensorError, Float32Array>>;
  dispose(t: GpuTensor): void;
  /** Resolves when the GPU has finished everything submitted so far (for timing; reads wait by themselves). */
  sync(): Promise<void>;
  /** Frees every buffer and destroys the device. */
  destroy(): void;
}

export interface WebGPUOptions {
  /** The most bytes one tensor may take (default: the adapter's maxStorageBufferBindingSize). */
  readonly maxBufferBytes?: number;
  /** The most buffers one kernel binds (default: the adapter's maxStorageBuffersPerShaderStage); more are packed. */
  readonly maxStorageBuffers?: number;
  /** Matmuls as workgroup-tiled shaders (default true). */
  readonly tiledMatmul?: boolean;
  /** Long contiguous sums and maxima as workgroup tree reductions (default true; false: wasm's order and bits). */
  readonly treeReduce?: boolean;
}

export const createWebGPURuntime = async (report: BackendReport, options: WebGPUOptions = {}): Promise<WebGPURuntime> => {
  const ctx = await openDevice(options.maxBufferBytes, options.maxStorageBuffers);
  const pool = new BufferPool(ctx);
  const tensors = new GpuTensorStore(pool);
  const full: BackendReport = { ...report, adapter: ctx.adapter };
  const shaders = { tiledMatmul: options.tiledMatmul, treeReduce: options.treeReduce };
  const loaded = new Set<WebGPUExecutable>();
  const keep = (e: WebGPUExecutable): WebGPUExecutable => {
    const tracked: WebGPUExecutable = { ...e, destroy: () => loaded.delete(tracked) && e.destroy() };
    loaded.add(tracked);
    return tracked;
  };
  return {
    report: full,
    context: ctx,
    load: (plan, name) => keep(prepareWebGPU(ctx, pool, full, plan, undefined, name, shaders)),
    loop: (plan, spec, name) => keep(prepareWebGPU(ctx, pool, full, plan, spec, name, shaders)),
    upload: (values, shape) => (ctx.check('upload'), tensors.upload(values, shape)),
    read: (t) => tensors.read(t),
    dispose: (t) => tensors.dispose(t),
    sync: async () => {
      ctx.check('sync');
      await ctx.device.queue.onSubmittedWorkDone();
      ctx.check('sync');
    },
    destroy: () => {
      [...loaded].forEach((e) => e.destroy());
      pool.destroy();
      ctx.destroy();
    },
  };
};
