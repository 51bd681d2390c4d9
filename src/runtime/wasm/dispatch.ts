// How a kernel's work units are shared out: static ranges in multiples of its granule (four elements, or whole matmul row tiles) over the
// pool's workers and the calling thread (which takes the last range); small kernels stay on the
// calling thread, since waking a worker costs microseconds.
import type { Kernel } from '../../compiler/kernel-ir/types.js';
import type { KernelInstance } from './instance.js';
import type { KernelProfile } from './profile.js';

/** What the dispatcher needs of a pool of kernel threads: Node's worker_threads (pool.ts) or a page's Web Workers (aot/web-pool.ts). */
export interface KernelPool {
  readonly size: number;
  /** Set while a kernel's workers are awaited asynchronously: later kernels queue behind it. */
  readonly busy?: Promise<void> | undefined;
  register(modules: readonly WebAssembly.Module[]): number[];
  unregister(ids: readonly number[]): void;
  start(w: number, id: number, addrs: readonly number[], begin: number, end: number, what: string): void;
  /** Waits for workers `ws`: done on return, or a promise when they are awaited asynchronously. */
  join(ws: readonly number[], what: string): Promise<void> | undefined;
  /** Stops the workers. */
  destroy(): void;
}

/** Below this many node evaluations a kernel stays on the calling thread. */
export const PARALLEL_WORK = 2 ** 18;

/**
 * Runs kernel `i` over its whole index space with its parameters at `addrs`: done on return
 * (undefined), or a promise when its workers are awaited asynchronously. `release` frees the
 * workers' copies.
 */
export interface Dispatch {
  readonly run: (i: number, addrs: readonly number[]) => Promise<void> | undefined;
  readonly release: () => void;
}

/** With a profile (and the kernel IR it describes kernels by), each dispatch's time is recorded under its kernel. */
export const dispatcher = (kernels: readonly KernelInstance[], pool: KernelPool | undefined, timed?: { readonly profile: KernelProfile; readonly ir: readonly Kernel[] }): Dispatch => {
  const d = untimed(kernels, pool);
  if (!timed) return d;
  const { profile, ir } = timed;
  return {
    run: (i, addrs) => {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      const record = () => {
        const c = process.cpuUsage(c0);
        profile.record(ir[i], performance.now() - t0, (c.user + c.system) / 1000);
      };
      const pending = d.run(i, addrs);
      if (pending) return pending.then(record);
      record();
      return undefined;
    },
    release: d.release,
  };
};

/** Kernels split across threads by the work their modules record (kernel-ir/work.ts), so no kernel IR is needed here. */
const untimed = (kernels: readonly KernelInstance[], pool: KernelPool | undefined): Dispatch => {
  if (!pool) return { run: (i, addrs) => void kernels[i].run(addrs, 0, kernels[i].kernel.size), release: () => undefined };
  const ids = pool.register(kernels.map((k) => k.module));
  const threads = pool.size + 1;
  const parallel = kernels.map(({ kernel: k }) => k.size >= k.granule * threads && k.work >= PARALLEL_WORK);
  const run = (i: number, addrs: readonly number[]): Promise<void> | undefined => {
    const k = kernels[i];
    const n = k.kernel.size;
    // another call's kernel still holds the workers (awaited asynchronously): this one queues behind it
    if (pool.busy) {
      const copy = addrs.slice();
      return pool.busy.then(() => run(i, copy));
    }
    if (!parallel[i]) return void k.run(addrs, 0, n);
    const what = `running kernel ${k.kernel.name}`;
    const g = k.kernel.granule;
    const chunk = Math.ceil(n / threads / g) * g;
    const started: number[] = [];
    try {
      for (let w = 0; w < pool.size; w++) {
        const begin = w * chunk;
        const end = Math.min(n, begin + chunk);
        if (begin < end) pool.start(w, ids[i], addrs, begin, end, what), started.push(w);
      }
      const own = Math.min(n, pool.size * chunk);
      if (own < n) k.run(addrs, own, n);
    } catch (e) {
      // the workers started must finish before the caller frees their memory
      const pending = pool.join(started, what);
      if (pending) return pending.then(() => Promise.reject(e), () => Promise.reject(e));
      throw e;
    }
    return pool.join(started, what);
  };
  return { run, release: () => pool.unregister(ids) };
};
