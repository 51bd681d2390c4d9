// Kernel threads in a browser: Web Workers over the module's shared memory, driven through a shared
// control block laid out as pool.ts lays out its own (64 i32 per worker: sequence, command, kernel,
// begin, end, argument count, arguments, failure flag, last sequence done). A page's main thread may
// not block in Atomics.wait, so it spins on the answer; workers wait with Atomics.waitAsync, which
// lets kernels posted to them arrive while they wait.
import type { KernelPool } from '../wasm/dispatch.js';
import { EXIT, MAX_ARGS, RUN, SLOT, SPIN } from '../wasm/control-block.js';

/** A worker that has not answered for this long is reported instead of waited on forever. */
const STALL_MS = 60_000;

const WORKER_SOURCE = `
const math = { pow: Math.pow };
const kernels = [];
const arriving = new Map();
let memory, ctl, slot;
const loop = async () => {
  const SEQ = slot, CMD = slot + 1, KERNEL = slot + 2, BEGIN = slot + 3, END = slot + 4, NARGS = slot + 5, ARGS = slot + 6, FAILED = slot + 62, DONE = slot + 63;
  let seen = 0;
  for (;;) {
    let spins = 0;
    while (Atomics.load(ctl, SEQ) === seen) {
      if (++spins > ${SPIN}) { await Atomics.waitAsync(ctl, SEQ, seen).value; spins = 0; }
    }
    seen = Atomics.load(ctl, SEQ);
    if (ctl[CMD] === ${EXIT}) return close();
    try {
      const id = ctl[KERNEL];
      if (!kernels[id]) await new Promise((resolve) => arriving.set(id, resolve));
      const n = ctl[NARGS];
      const args = new Array(n + 2);
      for (let i = 0; i < n; i++) args[i] = ctl[ARGS + i];
      args[n] = ctl[BEGIN];
      args[n + 1] = ctl[END];
      kernels[id].apply(null, args);
      ctl[FAILED] = 0;
    } catch (e) {
      ctl[FAILED] = 1;
    }
    Atomics.store(ctl, DONE, seen);
  }
};
onmessage = (e) => {
  const m = e.data;
  if (m.memory) {
    memory = m.memory; ctl = new Int32Array(m.control); slot = m.slot;
    postMessage('ready');
    loop();
    return;
  }
  for (const k of m.kernels) {
    if (k.module) {
      kernels[k.id] = new WebAssembly.Instance(k.module, { env: { memory }, math }).exports.run;
      arriving.get(k.id)?.();
      arriving.delete(k.id);
    } else delete kernels[k.id];
  }
};
`;

export class WebWorkerPool implements KernelPool {
  private readonly seq: number[];
  private nextKernel = 0;
  private closed = false;

  private constructor(private readonly workers: Worker[], private readonly ctl: Int32Array) {
    this.seq = workers.map(() => 0);
  }

  /** Starts `count` workers and resolves once each has the memory and waits for work. */
  static async start(memory: WebAssembly.Memory, count: number): Promise<WebWorkerPool> {
    const ctl = new Int32Array(new SharedArrayBuffer(Math.max(1, count) * SLOT * 4));
    const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' }));
    const workers = Array.from({ length: count }, () => new Worker(url));
    await Promise.all(workers.map((w, i) => new Promise<void>((resolve, reject) => {
      w.onmessage = () => resolve();
      w.onerror = (e) => reject(new Error(`wasm worker ${i + 1} did not start: ${e.message}`));
      w.postMessage({ memory, control: ctl.buffer, slot: i * SLOT });
    })));
    URL.revokeObjectURL(url);
    return new WebWorkerPool(workers, ctl);
  }

  get size(): number {
    return this.workers.length;
  }

  register(modules: readonly WebAssembly.Module[]): number[] {
    const ids = modules.map(() => this.nextKernel++);
    const kernels = modules.map((module, k) => ({ id: ids[k], module }));
    this.workers.forEach((w) => w.postMessage({ kernels }));
    return ids;
  }

  unregister(ids: readonly number[]): void {
    if (!this.closed) this.workers.forEach((w) => w.postMessage({ kernels: ids.map((id) => ({ id })) }));
  }

  start(w: number, id: number, addrs: readonly number[], begin: number, end: number): void {
    if (this.closed) throw new Error('wasm: this module was destroyed; its workers are gone');
    if (addrs.length > MAX_ARGS) throw new Error(`wasm threads: a kernel with ${addrs.length} buffers exceeds ${MAX_ARGS}`);
    const base = w * SLOT;
    this.ctl[base + 1] = RUN;
    this.ctl[base + 2] = id;
    this.ctl[base + 3] = begin;
    this.ctl[base + 4] = end;
    this.ctl[base + 5] = addrs.length;
    for (let i = 0; i < addrs.length; i++) this.ctl[base + 6 + i] = addrs[i];
    Atomics.store(this.ctl, base, ++this.seq[w]);
    Atomics.notify(this.ctl, base);
  }

  /** Spins until every worker in `ws` answered (a page's main thread may not block). */
  join(ws: readonly number[], what: string): undefined {
    for (const w of ws) {
      const done = w * SLOT + 63;
      const since = performance.now();
      for (let spins = 0; Atomics.load(this.ctl, done) !== this.seq[w]; spins++) {
        if (spins % 100_000 === 0 && performance.now() - since > STALL_MS) throw new Error(`wasm worker ${w + 1} did not answer in ${STALL_MS / 1000} s while ${what}`);
      }
      if (this.ctl[w * SLOT + 62]) throw new Error(`wasm worker ${w + 1} failed while ${what}`);
    }
    return undefined;
  }

  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    this.workers.forEach((w, i) => {
      this.ctl[i * SLOT + 1] = EXIT;
      Atomics.store(this.ctl, i * SLOT, ++this.seq[i]);
      Atomics.notify(this.ctl, i * SLOT);
      w.terminate();
    });
  }
}
