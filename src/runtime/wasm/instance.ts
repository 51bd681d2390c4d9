// A kernel module instantiated over the runtime's memory, callable over an element range.
import type { HostMath, RenderedKernel } from '../../compiler/wasm/render.js';

const HOST: Record<HostMath, (...x: number[]) => number> = { exp: Math.exp, log: Math.log, tanh: Math.tanh, cos: Math.cos, pow: Math.pow };

/** What a caller needs to know of a module (rendered now or stored with the plan). */
export type KernelMeta = Pick<RenderedKernel, 'name' | 'params' | 'size' | 'imports'>;

export interface KernelInstance {
  readonly kernel: KernelMeta;
  readonly module: WebAssembly.Module;
  /** Runs elements [begin, end) with the kernel's parameters at these byte offsets. */
  readonly run: (addrs: readonly number[], begin: number, end: number) => void;
}

/** Instantiates a compiled module (from the runtime's module cache) over `memory`. */
export const instantiateModule = (kernel: KernelMeta, module: WebAssembly.Module, memory: WebAssembly.Memory): KernelInstance => {
  const math = Object.fromEntries(kernel.imports.map((n) => [n, HOST[n]]));
  const f = new WebAssembly.Instance(module, { env: { memory }, math }).exports.run as (...args: number[]) => void;
  return { kernel, module, run: (addrs, begin, end) => f(...addrs, begin, end) };
};

export const instantiate = (kernel: RenderedKernel, memory: WebAssembly.Memory): KernelInstance =>
  instantiateModule(kernel, new WebAssembly.Module(kernel.bytes), memory);
