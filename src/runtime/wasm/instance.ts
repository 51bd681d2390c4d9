// A kernel module instantiated over the runtime's memory, callable over an element range.
import type { HostMath, RenderedKernel } from '../../compiler/wasm/render.js';

const HOST: Record<HostMath, (...x: number[]) => number> = { pow: Math.pow };

/** What a caller needs to know of a module (rendered now or stored with the plan). */
export type KernelMeta = Pick<RenderedKernel, 'name' | 'params' | 'size' | 'granule' | 'schedule' | 'imports' | 'work' | 'stores'> & Partial<Pick<RenderedKernel, 'scratch' | 'phases'>>;

export interface KernelInstance {
  readonly kernel: KernelMeta;
  readonly module: WebAssembly.Module;
  /** Runs elements [begin, end) with the kernel's parameters at these byte offsets (then its scratch block's, if it takes one). */
  readonly run: (addrs: readonly number[], begin: number, end: number) => void;
}

/** Instantiates a compiled module (from the runtime's module cache) over `memory`. */
type Run = KernelInstance['run'];
/** A fixed-arity caller per argument count: a spread call costs ~150 ns, a fixed one ~10 (reference/kernels.md). */
const callers = new Map<number, (f: (...args: number[]) => void) => Run>();
const callerOf = (arity: number): ((f: (...args: number[]) => void) => Run) => {
  let c = callers.get(arity);
  if (!c) {
    const list = Array.from({ length: arity }, (_, i) => `a[${i}], `).join('');
    c = new Function('f', `return (a, b, e) => f(${list}b, e);`) as (f: (...args: number[]) => void) => Run;
    callers.set(arity, c);
  }
  return c;
};

export const instantiateModule = (kernel: KernelMeta, module: WebAssembly.Module, memory: WebAssembly.Memory): KernelInstance => {
  const math = Object.fromEntries(kernel.imports.map((n) => [n, HOST[n]]));
  const f = new WebAssembly.Instance(module, { env: { memory }, math }).exports.run as (...args: number[]) => void;
  return { kernel, module, run: callerOf(kernel.params.length + (kernel.scratch ? 1 : 0))(f) };
};

export const instantiate = (kernel: RenderedKernel, memory: WebAssembly.Memory): KernelInstance =>
  instantiateModule(kernel, new WebAssembly.Module(kernel.bytes), memory);
