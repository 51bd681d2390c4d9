/// <reference types="@webgpu/types" />
// Dawn (npm `webgpu`) in this process: one GPU object for the whole process, since Dawn crashes in
// ProcessEvents when it is garbage-collected; one device per runtime, destroyed with the runtime.
// A lost device turns every later use into an error naming the loss.
import type { AdapterInfo } from '../webgpu-probe.js';
import { describeAdapter, isSoftware } from '../webgpu-probe.js';
import { quietDawnEnvironment } from '../dawn-env.js';

export class DeviceLostError extends Error {
  override readonly name = 'DeviceLostError';
}

/** WebGPU's buffer usage and map mode bits (the spec's values; Dawn's globals are not installed). */
export const USAGE = { MAP_READ: 0x1, COPY_SRC: 0x4, COPY_DST: 0x8, STORAGE: 0x80 } as const;
export const MAP_READ = 0x1;

let dawnGpu: Promise<GPU> | undefined;
/** Held for the life of the process: collecting it crashes Dawn. */
const keepAlive: GPU[] = [];

const loadDawn = (): Promise<GPU> =>
  (dawnGpu ??= (async () => {
    quietDawnEnvironment();
    const dawn = (await import('webgpu')) as unknown as { create(flags: string[]): GPU };
    const gpu = dawn.create([]);
    keepAlive.push(gpu);
    return gpu;
  })());

export interface GpuContext {
  readonly device: GPUDevice;
  readonly adapter: string;
  readonly software: boolean;
  readonly limits: { readonly maxStorageBufferBindingSize: number; readonly maxBufferSize: number; readonly maxStorageBuffersPerShaderStage: number; readonly maxComputeWorkgroupsPerDimension: number };
  /** Throws DeviceLostError once the device is gone (and not by our own destroy()), or an Error once it reported one. */
  check(what: string): void;
  destroy(): void;
}

/** Opens a device on Dawn's adapter, with the adapter's full limits for storage buffers and grids (or lower ones asked for). */
export const openDevice = async (maxBufferBytes = Infinity, maxStorageBuffers = Infinity): Promise<GpuContext> => {
  const gpu = await loadDawn();
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new DeviceLostError('webgpu: Dawn found no adapter in this process, although the probe did');
  const i = adapter.info;
  const info: AdapterInfo = { vendor: i.vendor, architecture: i.architecture, device: i.device, description: i.description, isFallbackAdapter: Boolean((i as { isFallbackAdapter?: boolean }).isFallbackAdapter) };
  const a = adapter.limits;
  const limits = {
    maxStorageBufferBindingSize: a.maxStorageBufferBindingSize,
    maxBufferSize: a.maxBufferSize,
    maxStorageBuffersPerShaderStage: a.maxStorageBuffersPerShaderStage,
    maxComputeWorkgroupsPerDimension: a.maxComputeWorkgroupsPerDimension,
  };
  const device = await adapter.requestDevice({ requiredLimits: limits });
  limits.maxStorageBufferBindingSize = Math.min(limits.maxStorageBufferBindingSize, maxBufferBytes);
  limits.maxStorageBuffersPerShaderStage = Math.min(limits.maxStorageBuffersPerShaderStage, maxStorageBuffers);
  const name = describeAdapter(info);
  let lost: string | undefined;
  let destroyed = false;
  // errors outside an error scope (calls after an executable's first) surface at the next check
  let uncaptured: string | undefined;
  device.onuncapturederror = (e) => {
    uncaptured ??= e.error.message;
  };
  void device.lost.then((l) => {
    if (!destroyed) lost = `${l.reason}${l.message ? `: ${l.message}` : ''}`;
  });
  return {
    device,
    adapter: name,
    software: isSoftware(info),
    limits,
    check: (what) => {
      if (destroyed) throw new DeviceLostError(`webgpu: ${what}: this runtime was destroyed`);
      if (lost !== undefined) throw new DeviceLostError(`webgpu: ${what}: the device (${name}) was lost (${lost}); its tensors are gone, so resume from the last checkpoint`);
      if (uncaptured !== undefined) throw new Error(`webgpu: ${what}: the device (${name}) reported an error, so results since may be wrong: ${uncaptured}`);
    },
    destroy: () => {
      if (destroyed) return;
      destroyed = true;
      device.destroy();
    },
  };
};
