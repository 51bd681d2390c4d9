// The one place graft touches gpu.js: instances and kernels, typed as narrowly as graft uses them.
import { GPU } from 'gpu.js';
import type { GpuBackendName } from './backend.js';

export type GpuKernel = ((...args: unknown[]) => unknown) & {
  kernel?: { constructor: { mode?: string }; fallbackReason?: string | null };
  destroy?: () => void;
};

export type GpuPipeline = ((...args: unknown[]) => Promise<unknown>) & {
  executorKind?: string;
  backend?: string;
  fallbackReason?: string | null;
  destroy?: () => void;
};

export interface GpuInstance {
  createKernel(source: string, settings: object): GpuKernel;
  createPipeline(fn: (...handles: unknown[]) => unknown, settings?: object): GpuPipeline;
  destroy(): void;
}

export const newGpu = (backend: GpuBackendName): GpuInstance => new GPU({ mode: backend }) as unknown as GpuInstance;

/** One kernel per plan kernel; async mode lets webasm split large outputs across its worker pool. */
export const newKernel = (gpu: GpuInstance, source: string, output: readonly number[]): GpuKernel =>
  gpu.createKernel(source, { output, asyncMode: true, precision: 'single', tactic: 'precision', dynamicArguments: false });

/** What mode a built kernel really runs in (gpu.js degrades to cpu for features a backend lacks). */
export const kernelMode = (k: GpuKernel): string | undefined => k.kernel?.constructor.mode;
