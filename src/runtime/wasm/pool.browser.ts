// The browser bundle's stand-in for pool.ts (worker_threads): the library's browser runtime runs
// kernels on the calling thread, so a pool is never made there.
export class WorkerPool {
  readonly size = 0;
  constructor(_memory: WebAssembly.Memory, _count: number) {
    throw new Error('wasm threads: the browser bundle runs kernels on the calling thread (threads: 1)');
  }
  register(_modules: readonly WebAssembly.Module[]): number[] {
    return [];
  }
  unregister(_ids: readonly number[]): void {}
  start(_w: number, _id: number, _addrs: readonly number[], _begin: number, _end: number): void {}
  join(_w: number, _what: string): void {}
  destroy(): void {}
}
