// The runtime in a browser: graft's wasm kernels on the page's thread, over one shared memory (the
// page must be cross-origin isolated for shared memory). No backend probing: Dawn and gpu.js stay out.
import type { WasmRuntime } from './wasm/runtime.js';
import { createWasmRuntime } from './wasm/runtime.js';

export interface BrowserRuntimeOptions {
  /** The most memory the runtime may grow to, in bytes (default 4 GiB, all wasm32 allows). */
  readonly maxMemoryBytes?: number;
}

export const createBrowserRuntime = (options: BrowserRuntimeOptions = {}): WasmRuntime =>
  createWasmRuntime({ requested: 'wasm', backend: 'wasm' }, { maxMemoryBytes: options.maxMemoryBytes, threads: 1 });
