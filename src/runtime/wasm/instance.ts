// A rendered kernel instantiated over the runtime's memory, callable over an element range.
import type { HostMath, RenderedKernel } from '../../compiler/wasm/render.js';

const HOST: Record<HostMath, (...x: number[]) => number> = { pow: Math.pow };

export interface KernelInstance {
  readonly kernel: RenderedKernel;
  readonly module: WebAssembly.Module;
  /** Runs elements [begin, end) with the kernel's parameters at these byte offsets. */
  readonly run: (addrs: readonly number[], begin: number, end: number) => void;
}

export const instantiate = (kernel: RenderedKernel, memory: WebAssembly.Memory): KernelInstance => {
  const math = Object.fromEntries(kernel.imports.map((n) => [n, HOST[n]]));
  const module = new WebAssembly.Module(kernel.bytes);
  const f = new WebAssembly.Instance(module, { env: { memory }, math }).exports.run as (...args: number[]) => void;
  return { kernel, module, run: (addrs, begin, end) => f(...addrs, begin, end) };
};
