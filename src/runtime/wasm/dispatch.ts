// How a kernel's work units are shared out: static ranges in multiples of its granule (four elements, or whole matmul row tiles) over the
// pool's workers and the calling thread (which takes the last range); small kernels stay on the
// calling thread, since waking a worker costs microseconds.
import type { KernelInstance } from './instance.js';
import type { WorkerPool } from './pool.js';

/** Below this many node evaluations a kernel stays on the calling thread. */
export const PARALLEL_WORK = 2 ** 18;

/** Runs kernel `i` over its whole index space with its parameters at `addrs`; `release` frees the workers' copies. */
export interface Dispatch {
  readonly run: (i: number, addrs: readonly number[]) => void;
  readonly release: () => void;
}

/** Kernels split across threads by the work their modules record (kernel-ir/work.ts), so no kernel IR is needed here. */
export const dispatcher = (kernels: readonly KernelInstance[], pool: WorkerPool | undefined): Dispatch => {
  if (!pool) return { run: (i, addrs) => kernels[i].run(addrs, 0, kernels[i].kernel.size), release: () => undefined };
  const ids = pool.register(kernels.map((k) => k.module));
  const threads = pool.size + 1;
  const parallel = kernels.map(({ kernel: k }) => k.size >= k.granule * threads && k.work >= PARALLEL_WORK);
  const run = (i: number, addrs: readonly number[]): void => {
    const k = kernels[i];
    const n = k.kernel.size;
    if (!parallel[i]) return k.run(addrs, 0, n);
    const g = k.kernel.granule;
    const chunk = Math.ceil(n / threads / g) * g;
    const started: number[] = [];
    for (let w = 0; w < pool.size; w++) {
      const begin = w * chunk;
      const end = Math.min(n, begin + chunk);
      if (begin < end) pool.start(w, ids[i], addrs, begin, end), started.push(w);
    }
    const own = Math.min(n, pool.size * chunk);
    try {
      if (own < n) k.run(addrs, own, n);
    } finally {
      started.forEach((w) => pool.join(w, `running kernel ${k.kernel.name}`));
    }
  };
  return { run, release: () => pool.unregister(ids) };
};
