// How a kernel's work units are shared out: static ranges in multiples of its granule (four elements) over the
// pool's workers and the calling thread (which takes the last range), or, for a tiled matmul, its whole range to every
// thread, which claim units one by one from a counter (a descheduled thread holds back one unit, not half the kernel),
// phase after phase (packing, then tiles); small kernels stay on the calling thread, since waking a worker costs microseconds.
import type { Kernel } from '../../compiler/kernel-ir/types.js';
import type { KernelInstance } from './instance.js';
import type { KernelProfile } from './profile.js';
import type { WasmHeap } from './heap.js';

/** What the dispatcher needs of a pool of kernel threads: Node's worker_threads (pool.ts) or a page's Web Workers (aot/web-pool.ts). */
export interface KernelPool {
  readonly size: number;
  /** Set while a kernel's workers are awaited asynchronously: later kernels queue behind it. */
  readonly busy?: Promise<void> | undefined;
  register(modules: readonly WebAssembly.Module[]): number[];
  unregister(ids: readonly number[]): void;
  start(w: number, id: number, addrs: readonly number[], begin: number, end: number, what: string): void;
  /**
   * Waits for workers `ws`: done on return, or a promise when they are awaited asynchronously. `withdraw`: the kernel's
   * units are claimed from a counter and the caller has claimed the last, so a worker that has not started may be
   * skipped (its job taken back) instead of awaited — under load a descheduled worker would otherwise hold up the call.
   */
  join(ws: readonly number[], what: string, withdraw?: boolean): Promise<void> | undefined;
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

/** With a profile (and the kernel IR it describes kernels by), each dispatch's time is recorded under its kernel. Scratch blocks come from `heap`. */
export const dispatcher = (kernels: readonly KernelInstance[], pool: KernelPool | undefined, heap: WasmHeap, timed?: { readonly profile: KernelProfile; readonly ir: readonly Kernel[] }): Dispatch => {
  const d = untimed(kernels, pool, heap);
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

const noop = (): void => undefined;

/** Kernels split across threads by the work their modules record (kernel-ir/work.ts), so no kernel IR is needed here. */
const untimed = (kernels: readonly KernelInstance[], pool: KernelPool | undefined, heap: WasmHeap): Dispatch => {
  // one scratch block (a tiled matmul's packed panels) for every kernel: they run one at a time, and the threads of one share it
  const bytes = Math.max(0, ...kernels.map((k) => k.kernel.scratch ?? 0));
  const scratch = bytes > 0 ? heap.alloc(bytes, 'the packed panels of tiled matmuls (scratch)') : 0;
  const withScratch = kernels.map((k) => k.kernel.scratch !== undefined && k.kernel.scratch > 0);
  // a new array each run: a call waiting between phases still holds its own
  const argsOf = (i: number, addrs: readonly number[]): readonly number[] => (withScratch[i] ? [...addrs, scratch] : addrs);
  const freeScratch = () => void (bytes > 0 && heap.release(scratch));
  // a kernel with scratch claims its units from the counter at the block's start (render.ts): zeroed before each range
  const resetCounter = () => Atomics.store(new Int32Array(heap.memory.buffer, scratch, 1), 0, 0);
  const whole = (i: number, addrs: readonly number[]): void => {
    if (withScratch[i]) resetCounter();
    kernels[i].run(argsOf(i, addrs), 0, kernels[i].kernel.size);
  };
  if (!pool) return { run: (i, addrs) => void whole(i, addrs), release: freeScratch };
  const ids = pool.register(kernels.map((k) => k.module));
  const threads = pool.size + 1;
  const parallel = kernels.map(({ kernel: k }) => k.size >= k.granule * threads && k.work >= PARALLEL_WORK);

  /** Units [lo, hi) of kernel i over the workers and this thread: static ranges, or for a kernel with a counter the whole range to every thread. */
  const split = (i: number, a: readonly number[], lo: number, hi: number): Promise<void> | undefined => {
    const k = kernels[i];
    const what = `running kernel ${k.kernel.name}`;
    const claims = withScratch[i];
    const g = k.kernel.granule;
    const chunk = Math.ceil((hi - lo) / threads / g) * g;
    const started: number[] = [];
    try {
      if (claims) resetCounter();
      for (let w = 0; w < pool.size; w++) {
        const begin = claims ? lo : lo + w * chunk;
        const end = claims ? hi : Math.min(hi, begin + chunk);
        if (begin < end) pool.start(w, ids[i], a, begin, end, what), started.push(w);
      }
      const own = claims ? lo : Math.min(hi, lo + pool.size * chunk);
      if (own < hi) k.run(a, own, hi);
    } catch (e) {
      // the workers started must finish before the caller frees their memory
      const pending = pool.join(started, what);
      if (pending) return pending.then(() => Promise.reject(e), () => Promise.reject(e));
      throw e;
    }
    return pool.join(started, what, claims);
  };

  /** Set while a kernel with phases waits between them: the scratch block is its until the last phase, so this executable's other calls queue. */
  let held: Promise<void> | undefined;
  const run = (i: number, addrs: readonly number[]): Promise<void> | undefined => {
    const k = kernels[i];
    const n = k.kernel.size;
    // another call's kernel still holds the workers (awaited asynchronously), or the scratch block: this one queues behind it
    const wait = pool.busy ?? held;
    if (wait) {
      const copy = addrs.slice();
      return wait.then(() => run(i, copy));
    }
    if (!parallel[i]) return void whole(i, addrs);
    const a = argsOf(i, addrs);
    // phases one after another (packing, then tiles), each split over every thread
    const bounds = [0, ...(k.kernel.phases ?? []), n];
    const from = (p: number): Promise<void> | undefined => {
      for (; p < bounds.length - 1; p++) {
        const pending = split(i, a, bounds[p], bounds[p + 1]);
        if (pending) {
          const next = p + 1;
          const resume = (): Promise<void> | undefined => (pool.busy ? pool.busy.then(resume) : from(next));
          return pending.then(resume);
        }
      }
      return undefined;
    };
    const pending = from(0);
    if (pending && withScratch[i]) {
      const mine: Promise<void> = pending.then(noop, noop).then(() => void (held === mine && (held = undefined)));
      held = mine;
    }
    return pending;
  };
  return {
    run,
    release: () => {
      pool.unregister(ids);
      freeScratch();
    },
  };
};
