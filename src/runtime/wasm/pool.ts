// Persistent worker threads over the runtime's shared memory. Each worker has a slot of 64 i32 in
// one control block: sequence, command, kernel, begin, end, argument count, arguments, failure
// flag and the last sequence done. The caller writes a job, bumps the sequence and notifies; it
// runs its own range meanwhile, then waits for every worker's answer (a bounded spin first: on an
// oversubscribed machine an unbounded one costs milliseconds per wake).
import { MessageChannel, Worker } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { WORKER_SOURCE } from './worker-source.js';

const SLOT = 64;
/** Arguments that fit a slot (kernel IR keeps kernels within MAX_KERNEL_BUFFERS, 48). */
const MAX_ARGS = 55;
const RUN = 1;
const SYNC = 2;
const EXIT = 3;
/** Spin iterations before sleeping in Atomics.wait (on either side). */
const SPIN = 2000;

export class WorkerPool {
  private readonly ctl: Int32Array;
  private readonly workers: Worker[] = [];
  private readonly ports: MessagePort[] = [];
  private readonly seq: number[] = [];
  private nextKernel = 0;
  private closed = false;

  /** `count` threads besides the caller's. */
  constructor(memory: WebAssembly.Memory, count: number) {
    this.ctl = new Int32Array(new SharedArrayBuffer(Math.max(1, count) * SLOT * 4));
    for (let w = 0; w < count; w++) {
      const { port1, port2 } = new MessageChannel();
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { memory, control: this.ctl.buffer, slot: w * SLOT, spin: SPIN, port: port2 }, transferList: [port2] });
      worker.unref();
      this.workers.push(worker);
      this.ports.push(port1);
      this.seq.push(0);
    }
  }

  get size(): number {
    return this.workers.length;
  }

  /** Instantiates modules in every worker; returns their ids for `run`. */
  register(modules: readonly WebAssembly.Module[]): number[] {
    const ids = modules.map(() => this.nextKernel++);
    const message = modules.map((module, k) => ({ id: ids[k], module }));
    this.ports.forEach((p) => p.postMessage(message));
    this.workers.forEach((_, w) => this.post(w, SYNC));
    this.workers.forEach((_, w) => this.wait(w, 'instantiating kernels'));
    return ids;
  }

  /** Drops kernels from every worker (their executable was destroyed). */
  unregister(ids: readonly number[]): void {
    if (!ids.length) return;
    const message = ids.map((id) => ({ id }));
    this.ports.forEach((p) => p.postMessage(message));
    this.workers.forEach((_, w) => this.post(w, SYNC));
    this.workers.forEach((_, w) => this.wait(w, 'dropping kernels'));
  }

  /** Starts kernel `id` over [begin, end) on worker `w`; `join` waits for it. */
  start(w: number, id: number, addrs: readonly number[], begin: number, end: number): void {
    if (addrs.length > MAX_ARGS) throw new Error(`wasm threads: a kernel with ${addrs.length} buffers exceeds ${MAX_ARGS}`);
    const base = w * SLOT;
    this.ctl[base + 2] = id;
    this.ctl[base + 3] = begin;
    this.ctl[base + 4] = end;
    this.ctl[base + 5] = addrs.length;
    for (let i = 0; i < addrs.length; i++) this.ctl[base + 6 + i] = addrs[i];
    this.post(w, RUN);
  }

  join(w: number, what: string): void {
    this.wait(w, what);
  }

  destroy(): void {
    if (this.closed) return;
    this.workers.forEach((_, w) => this.post(w, EXIT));
    this.closed = true;
    this.ports.forEach((p) => p.close());
  }

  private post(w: number, cmd: number): void {
    if (this.closed) throw new Error('wasm: this runtime was destroyed; its worker threads are gone');
    const base = w * SLOT;
    this.ctl[base + 1] = cmd;
    this.seq[w]++;
    Atomics.store(this.ctl, base, this.seq[w]);
    Atomics.notify(this.ctl, base);
  }

  private wait(w: number, what: string): void {
    const done = w * SLOT + 63;
    const want = this.seq[w];
    let spins = 0;
    for (let got = Atomics.load(this.ctl, done); got !== want; got = Atomics.load(this.ctl, done)) {
      if (++spins > SPIN) {
        Atomics.wait(this.ctl, done, got, 1000);
        spins = 0;
      }
    }
    if (this.ctl[w * SLOT + 62]) throw new Error(`wasm worker ${w + 1} failed while ${what}`);
  }
}
