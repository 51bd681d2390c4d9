// A kernel that binds more buffers than a device allows (WebGPU's maxStorageBuffersPerShaderStage,
// as few as 8) splits into kernels over the same index space, each computing some of the stores
// from the same per-element nodes: the values are the ones the whole kernel would store.
import { finishKernel } from '../kernel-ir/finish.js';
import type { Kernel, KStore } from '../kernel-ir/types.js';

/** The buffers a kernel with only `stores` would bind. */
const bindings = (k: Kernel, stores: readonly KStore[]): Set<number> => new Set(finishKernel(k.name, k.size, k.nodes, stores, k.fused).params);

/** Kernels binding at most `limit` buffers each where the stores allow, stores greedily grouped in order. */
export const splitByBindings = (k: Kernel, limit: number): Kernel[] => {
  if (k.params.length <= limit) return [k];
  const groups: KStore[][] = [];
  for (const s of k.stores) {
    const last = groups[groups.length - 1];
    if (last && bindings(k, [...last, s]).size <= limit) last.push(s);
    else groups.push([s]);
  }
  // a part that still reads too many buffers is packed by the renderer (pack.ts)
  return groups.map((stores, i) => finishKernel(`${k.name}.${i}`, k.size, k.nodes, stores, k.fused, k.tiling));
};
