// When a kernel reads more buffers than a device binds per shader (WebGPU's
// maxStorageBuffersPerShaderStage, as few as 8), its smallest read-only buffers travel packed end
// to end in one buffer that the runtime fills by copies before the dispatch; the shader reads
// them at fixed offsets, so the values are the same.
import type { Kernel } from '../kernel-ir/types.js';

export interface Packing {
  /** Plan buffers copied into the pack, in order. */
  readonly buffers: readonly number[];
  /** Element offset of each in the pack. */
  readonly offsets: readonly number[];
  /** The pack's length in elements. */
  readonly elements: number;
}

/** The packing that brings a kernel within `limit` bindings, or undefined when it fits as it is. */
export const packingFor = (k: Kernel, limit: number, sizeOf: (buffer: number) => number): Packing | undefined => {
  if (k.params.length <= limit) return undefined;
  const stored = new Set(k.stores.map((s) => s.buffer));
  const readOnly = k.params.filter((b) => !stored.has(b)).sort((a, b) => sizeOf(a) - sizeOf(b) || a - b);
  // the pack takes one binding itself
  const count = k.params.length - limit + 1;
  if (stored.size + 1 > limit || count > readOnly.length) {
    throw new RangeError(`kernel ${k.name}: writes ${stored.size} buffers, too many for the ${limit} storage buffers this device binds per shader`);
  }
  const buffers = readOnly.slice(0, count);
  const offsets: number[] = [];
  let elements = 0;
  for (const b of buffers) offsets.push(elements), (elements += sizeOf(b));
  return { buffers, offsets, elements };
};
