/// <reference types="@webgpu/types" />
// The ahead-of-time runtime for browsers: no Node built-ins. Kernels run on Web Workers too where
// the page is cross-origin isolated (shared memory), else on the calling thread.
import type { AotBackend, AotData } from './format.js';
import type { AotInstance } from './load.js';
import { loadAot } from './load.js';
import { WebWorkerPool } from './web-pool.js';

export { AotLoadError, FeedError } from './load.js';
export { AOT_FORMAT } from './format.js';

export interface LoadOptions {
  /** Threads kernels run on, the page's included; default: the cores the browser reports (at most 8) when cross-origin isolated, else 1. */
  readonly threads?: number;
  /** A WebGPU entry point (navigator.gpu): programs run on it where the module holds WGSL and an adapter answers; wasm otherwise. */
  readonly gpu?: GPU;
  /** Run on this target only ('webgpu', 'wasm' or 'gpujs'); default: the first of the module's this host runs. */
  readonly backend?: AotBackend;
}

const defaultThreads = (): number => {
  const g = globalThis as { crossOriginIsolated?: boolean; navigator?: { hardwareConcurrency?: number } };
  return g.crossOriginIsolated ? Math.min(8, Math.max(1, g.navigator?.hardwareConcurrency ?? 1)) : 1;
};

export const loadBrowser = (data: AotData, options: LoadOptions = {}): Promise<AotInstance> => {
  const threads = options.threads ?? defaultThreads();
  if (!Number.isInteger(threads) || threads < 1 || threads > 256) throw new RangeError(`threads option: '${threads}' is not a thread count (an integer from 1 to 256)`);
  const workers = typeof Worker === 'function' ? threads - 1 : 0;
  return loadAot(data, { gpu: options.gpu, backend: options.backend, pool: async (memory) => (workers > 0 ? await WebWorkerPool.start(memory, workers) : undefined) });
};
