// treeSum's fixed order as a graft kernel: the kernel IR of out[i] = tree(parts[0][i], ..., parts[n-1][i]) rendered to
// wasm (f32x4, one IEEE f32 add per node, as treeSumInto), run over the memory the engines receive into: no JS loop.
import { KernelBuilder } from '../../compiler/kernel-ir/builder.js';
import { finishKernel } from '../../compiler/kernel-ir/finish.js';
import { renderWasm } from '../../compiler/wasm/render.js';
import { MAX_PAGES } from '../../runtime/wasm/heap.js';
import type { KernelInstance } from '../../runtime/wasm/instance.js';
import { instantiate } from '../../runtime/wasm/instance.js';

/** The kernel that tree-sums `count` buffers (0..count-1) into buffer `count`, split at floor(n / 2) as treeSumInto. */
export const treeSumKernel = (count: number) => {
  if (!(Number.isInteger(count) && count >= 1)) throw new Error(`treeSumKernel: ${count} contributions (expected an integer >= 1)`);
  const b = new KernelBuilder();
  const tree = (lo: number, hi: number): number => {
    if (hi - lo === 1) return b.load(lo, b.index);
    const mid = lo + Math.floor((hi - lo) / 2);
    return b.binary('add', tree(lo, mid), tree(mid, hi));
  };
  // size only weighs work for thread splits; run() takes any element range
  return finishKernel(`treeSum${count}`, 1, b.nodes, [{ buffer: count, value: tree(0, count) }], ['add']);
};

/** out[i] = tree sum of parts[k][i] over k, for i < length; out and parts are byte addresses in the memory. */
export type TreeSumAt = (out: number, parts: readonly number[], length: number) => void;

/** The tree sum over a shared memory (any maximum), one module per contribution count, built on first use. */
export const wasmTreeSum = (memory: WebAssembly.Memory): TreeSumAt => {
  const kernels = new Map<number, KernelInstance>();
  const kernelFor = (count: number): KernelInstance => {
    let k = kernels.get(count);
    // declared with wasm32's largest maximum, the module links to a shared memory of any maximum
    if (!k) kernels.set(count, (k = instantiate(renderWasm(treeSumKernel(count), { maxPages: MAX_PAGES }), memory)));
    return k;
  };
  return (out, parts, length) => {
    if (parts.length === 0) throw new Error('treeSum of no contributions');
    kernelFor(parts.length).run([...parts, out], 0, length);
  };
};
