// How a kernel's elements are shared out: static ranges in multiples of four elements over the
// pool's workers and the calling thread (which takes the last range); small kernels stay on the
// calling thread, since waking a worker costs microseconds.
import type { Kernel, KNode } from '../../compiler/kernel-ir/types.js';
import type { KernelInstance } from './instance.js';
import type { WorkerPool } from './pool.js';
import type { KernelProfile } from './profile.js';

/** Below this many node evaluations a kernel stays on the calling thread. */
export const PARALLEL_WORK = 2 ** 18;

/** Node evaluations per element, accumulation bodies counted once per iteration. */
const workPerElement = (nodes: readonly KNode[]): number =>
  nodes.reduce((w, n) => w + 1 + (n.op === 'accumulate' ? (n.count - n.start) * workPerElement(n.body) : 0), 0);

/** Runs kernel `i` over its whole index space with its parameters at `addrs`; `release` frees the workers' copies. */
export interface Dispatch {
  readonly run: (i: number, addrs: readonly number[]) => void;
  readonly release: () => void;
}

/** With a profile, each dispatch's wall time is recorded under its kernel. */
export const dispatcher = (kernels: readonly KernelInstance[], ir: readonly Kernel[], pool: WorkerPool | undefined, profile?: KernelProfile): Dispatch => {
  const d = untimed(kernels, ir, pool);
  if (!profile) return d;
  return {
    run: (i, addrs) => {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      d.run(i, addrs);
      const c = process.cpuUsage(c0);
      profile.record(ir[i], performance.now() - t0, (c.user + c.system) / 1000);
    },
    release: d.release,
  };
};

const untimed = (kernels: readonly KernelInstance[], ir: readonly Kernel[], pool: WorkerPool | undefined): Dispatch => {
  if (!pool) return { run: (i, addrs) => kernels[i].run(addrs, 0, kernels[i].kernel.size), release: () => undefined };
  const ids = pool.register(kernels.map((k) => k.module));
  const threads = pool.size + 1;
  const parallel = ir.map((k) => k.size >= 4 * threads && k.size * workPerElement(k.nodes) >= PARALLEL_WORK);
  const run = (i: number, addrs: readonly number[]): void => {
    const k = kernels[i];
    const n = k.kernel.size;
    if (!parallel[i]) return k.run(addrs, 0, n);
    const chunk = Math.ceil(n / threads / 4) * 4;
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
