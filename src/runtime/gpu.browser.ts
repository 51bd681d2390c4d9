// The browser bundle's stand-in for gpu.ts: gpu.js stays out of it (its Node build needs headless-gl).
import type { GpuBackendName } from './backend.js';
import type { GpuInstance, GpuKernel } from './gpu.js';

export type { GpuInstance, GpuKernel, GpuPipeline } from './gpu.js';

const absent = (): never => {
  throw new Error("gpu.js is not in graft's browser bundle: use createBrowserRuntime (wasm)");
};

export const newGpu = (_backend: GpuBackendName): GpuInstance => absent();
export const newKernel = (_gpu: GpuInstance, _source: string, _output: readonly number[]): GpuKernel => absent();
export const kernelMode = (_k: GpuKernel): string | undefined => absent();
