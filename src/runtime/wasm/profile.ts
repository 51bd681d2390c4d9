// Optional per-kernel timing on the wasm backend: wall time of each dispatch (all threads of it) and the
// process's CPU time over it (every thread's; unlike wall time, not inflated by a busy machine), summed by kernel.
import type { Kernel } from '../../compiler/kernel-ir/types.js';

export interface KernelTime {
  readonly name: string;
  /** The DSL ops the kernel computes (e.g. `matmul`, `reduce:sum`). */
  readonly fused: readonly string[];
  /** Elements of its index space. */
  readonly size: number;
  /** Innermost accumulation length (0: elementwise): a matmul's k, a reduction's axis. */
  readonly reduced: number;
  /** A tiled product's shape (batch axes, m, n, k); absent where the kernel renders per element. */
  readonly tiled?: { readonly batch: readonly number[]; readonly m: number; readonly n: number; readonly k: number };
  readonly calls: number;
  readonly ms: number;
  /** CPU time of the process (all its threads) during the dispatches. */
  readonly cpuMs: number;
}

const reducedLength = (k: Kernel): number =>
  k.nodes.reduce((m, n) => (n.op === 'accumulate' ? Math.max(m, n.count - n.start) : m), 0);

export class KernelProfile {
  private readonly times = new Map<Kernel, { calls: number; ms: number; cpuMs: number }>();

  record(k: Kernel, ms: number, cpuMs: number): void {
    const t = this.times.get(k) ?? { calls: 0, ms: 0, cpuMs: 0 };
    t.calls++;
    t.ms += ms;
    t.cpuMs += cpuMs;
    this.times.set(k, t);
  }

  /** Every kernel timed so far, the slowest first. */
  report(): KernelTime[] {
    return [...this.times].map(([k, t]) => ({ name: k.name, fused: k.fused, size: k.size, reduced: reducedLength(k), ...(k.tiling ? { tiled: { batch: k.tiling.batch, m: k.tiling.m, n: k.tiling.n, k: k.tiling.k } } : {}), calls: t.calls, ms: t.ms, cpuMs: t.cpuMs })).sort((a, b) => b.ms - a.ms);
  }

  reset(): void {
    this.times.clear();
  }
}
