/// <reference types="@webgpu/types" />
// The ahead-of-time runtime for Node: kernels on worker threads (GRAFT_THREADS, the `threads`
// option, else every core), as the library's wasm backend runs them.
import { WorkerPool } from '../wasm/pool.js';
import { threadCount } from '../wasm/threads.js';
import type { AotBackend, AotData } from './format.js';
import type { AotInstance } from './load.js';
import { loadAot } from './load.js';

export { AotLoadError, FeedError } from './load.js';
export { AOT_FORMAT } from './format.js';

export interface LoadOptions {
  /** Threads kernels run on, the caller's included; default $GRAFT_THREADS, else every core. */
  readonly threads?: number;
  /** A WebGPU entry point (Dawn's `create([])` from the `webgpu` package): programs run on it where the module holds WGSL and an adapter answers; wasm otherwise. */
  readonly gpu?: GPU;
  /** Run on this target only ('webgpu', 'wasm' or 'gpujs'); default: the first of the module's this host runs. */
  readonly backend?: AotBackend;
}

export const loadNode = (data: AotData, options: LoadOptions = {}): Promise<AotInstance> => {
  const threads = threadCount(options.threads);
  return loadAot(data, { gpu: options.gpu, backend: options.backend, pool: (memory) => (threads > 1 ? new WorkerPool(memory, threads - 1) : undefined) });
};
