// Persistent worker threads over the runtime's shared memory. Each worker has a slot of 64 i32 in
// one control block: sequence, command, kernel, begin, end, argument count, arguments, failure
// flag and the last sequence done. The caller writes a job, bumps the sequence and notifies; it
// runs its own range meanwhile, then waits for every worker's answer: a bounded spin, then
// Atomics.wait up to SYNC_WAIT_MS, then asynchronously, racing each worker's exit, so a worker
// that died is an error naming it and the kernel, never a hang (a thread blocked in Atomics.wait
// cannot see a worker's exit event; an awaiting one can).
import { MessageChannel, Worker } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { WORKER_SOURCE } from './worker-source.js';
import { CLAIM, EXIT, MAX_ARGS, RUN, SLOT, SPIN, SYNC } from './control-block.js';

/** How long a caller blocks for its workers before it waits asynchronously (and can notice one died). */
const SYNC_WAIT_MS = 100;
/** While waiting asynchronously, how often the answer is checked even without a notification. */
const POLL_MS = 20;
/** How long loading kernels into the workers may take before it is an error. */
const CONTROL_WAIT_MS = 30_000;

export class WorkerError extends Error {
  override readonly name = 'WorkerError';
}

const noop = (): void => undefined;
const waitAsync = (Atomics as unknown as { waitAsync: (a: Int32Array, i: number, v: number) => { async: boolean; value: Promise<unknown> | string } }).waitAsync;

export class WorkerPool {
  private readonly ctl: Int32Array;
  private readonly workers: Worker[] = [];
  private readonly ports: MessagePort[] = [];
  private readonly seq: number[] = [];
  /** Why a worker stopped, once it has (seen when the event loop last ran). */
  private readonly stopped: (string | undefined)[] = [];
  private readonly deaths: Promise<string>[] = [];
  private nextKernel = 0;
  private closed = false;
  /** Settles when the kernel whose workers are awaited asynchronously is done; others queue behind it. */
  busy: Promise<void> | undefined;

  /** `count` threads besides the caller's. */
  /** `syncWaitMs`: how long a caller blocks before it waits asynchronously (0 in a test that needs the asynchronous path). */
  constructor(memory: WebAssembly.Memory, count: number, private readonly syncWaitMs = SYNC_WAIT_MS) {
    this.ctl = new Int32Array(new SharedArrayBuffer(Math.max(1, count) * SLOT * 4));
    for (let w = 0; w < count; w++) {
      const { port1, port2 } = new MessageChannel();
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { memory, control: this.ctl.buffer, slot: w * SLOT, spin: SPIN, port: port2 }, transferList: [port2] });
      worker.unref();
      worker.on('error', (e) => void (this.stopped[w] ??= `it threw ${e.message}`));
      this.deaths.push(new Promise((resolve) => worker.once('exit', (code) => resolve((this.stopped[w] ??= `it exited with code ${code}`)))));
      this.workers.push(worker);
      this.ports.push(port1);
      this.seq.push(0);
      this.stopped.push(undefined);
    }
  }

  get size(): number {
    return this.workers.length;
  }

  /** Instantiates modules in every worker; returns their ids for `run`. */
  register(modules: readonly WebAssembly.Module[]): number[] {
    const ids = modules.map(() => this.nextKernel++);
    const message = modules.map((module, k) => ({ id: ids[k], module }));
    this.control(message, 'instantiating kernels');
    return ids;
  }

  /** Drops kernels from every worker (their executable was destroyed); stopped workers are skipped. */
  unregister(ids: readonly number[]): void {
    if (!ids.length || this.closed) return;
    this.control(ids.map((id) => ({ id })), 'dropping kernels', true);
  }

  /** Starts kernel `id` over [begin, end) on worker `w` (`what` names it in errors); `join` waits for it. */
  start(w: number, id: number, addrs: readonly number[], begin: number, end: number, what: string): void {
    if (addrs.length > MAX_ARGS) throw new Error(`wasm threads: a kernel with ${addrs.length} buffers exceeds ${MAX_ARGS}`);
    this.alive(w, what);
    const base = w * SLOT;
    this.ctl[base + 2] = id;
    this.ctl[base + 3] = begin;
    this.ctl[base + 4] = end;
    this.ctl[base + 5] = addrs.length;
    for (let i = 0; i < addrs.length; i++) this.ctl[base + 6 + i] = addrs[i];
    // after the job's words, before its sequence number: a worker that takes the claim reads this job
    Atomics.store(this.ctl, base + CLAIM, this.seq[w] + 1);
    this.post(w, RUN);
  }

  /**
   * Waits for workers `ws`: undefined when all answered within the blocking wait (syncWaitMs), else a promise (the
   * pool stays `busy` until it settles). Throws, or rejects, with a WorkerError naming the worker
   * and `what` when one failed or stopped; every other worker is waited for first.
   */
  join(ws: readonly number[], what: string, withdraw = false): Promise<void> | undefined {
    // a worker not yet scheduled holds no unit of a kernel that claims them: take its job back rather than wait for it to wake
    if (withdraw) ws = ws.filter((w) => Atomics.compareExchange(this.ctl, w * SLOT + CLAIM, this.seq[w], 0) !== this.seq[w]);
    const deadline = performance.now() + this.syncWaitMs;
    const left = ws.filter((w) => !this.waitSync(w, deadline));
    if (!left.length) return void this.failures(ws, what);
    const done = (async () => {
      const problems: string[] = [];
      for (const w of left) {
        const why = await this.waitAsync(w);
        if (why) problems.push(`${this.thread(w)} stopped (${why}) while ${what}`);
      }
      if (problems.length) throw new WorkerError(`wasm: ${problems.join('; ')}; this runtime cannot run threaded kernels any more (create a new runtime, or use GRAFT_THREADS=1)`);
      this.failures(ws, what);
    })();
    const gate: Promise<void> = done.then(noop, noop).then(() => {
      if (this.busy === gate) this.busy = undefined;
    });
    this.busy = gate;
    return done;
  }

  /** Ends worker `w` at once, as a crash would (tests of failure handling use it). */
  terminate(w: number): Promise<number> {
    return this.workers[w].terminate();
  }

  destroy(): void {
    if (this.closed) return;
    this.workers.forEach((_, w) => this.stopped[w] === undefined && this.post(w, EXIT));
    this.closed = true;
    this.ports.forEach((p) => p.close());
  }

  private thread(w: number): string {
    return `worker thread ${w + 1} of ${this.size}`;
  }

  private alive(w: number, what: string): void {
    if (this.closed) throw new Error('wasm: this runtime was destroyed; its worker threads are gone');
    const why = this.stopped[w];
    if (why) throw new WorkerError(`wasm: ${this.thread(w)} has stopped (${why}), so it cannot go on ${what}; this runtime cannot run threaded kernels any more (create a new runtime, or use GRAFT_THREADS=1)`);
  }

  /** A control message to every live worker, and a bounded wait for each to take it. */
  private control(message: unknown, what: string, skipStopped = false): void {
    const live = this.workers.map((_, w) => w).filter((w) => !(skipStopped && this.stopped[w]));
    live.forEach((w) => this.alive(w, what));
    live.forEach((w) => this.ports[w].postMessage(message));
    live.forEach((w) => this.post(w, SYNC));
    const deadline = performance.now() + CONTROL_WAIT_MS;
    for (const w of live) if (!this.waitSync(w, deadline)) throw new WorkerError(`wasm: ${this.thread(w)} did not answer within ${CONTROL_WAIT_MS / 1000} s while ${what}`);
    this.failures(live, what);
  }

  private post(w: number, cmd: number): void {
    if (this.closed) throw new Error('wasm: this runtime was destroyed; its worker threads are gone');
    const base = w * SLOT;
    this.ctl[base + 1] = cmd;
    this.seq[w]++;
    Atomics.store(this.ctl, base, this.seq[w]);
    Atomics.notify(this.ctl, base);
  }

  /** Whether worker `w` answered its last job by `deadline` (a bounded spin, then Atomics.wait). */
  private waitSync(w: number, deadline: number): boolean {
    const done = w * SLOT + 63;
    const want = this.seq[w];
    let spins = 0;
    for (let got = Atomics.load(this.ctl, done); got !== want; got = Atomics.load(this.ctl, done)) {
      if (++spins > SPIN) {
        const left = deadline - performance.now();
        if (left <= 0) return false;
        Atomics.wait(this.ctl, done, got, Math.min(left, 10));
        spins = 0;
      }
    }
    return true;
  }

  /** Waits without blocking the event loop: undefined once `w` answered, or why it stopped. */
  private async waitAsync(w: number): Promise<string | undefined> {
    const done = w * SLOT + 63;
    const want = this.seq[w];
    for (let got = Atomics.load(this.ctl, done); got !== want; got = Atomics.load(this.ctl, done)) {
      const r = waitAsync(this.ctl, done, got);
      // neither a pending waitAsync nor an unref'd worker keeps Node's event loop alive: a timer does (and re-checks)
      let timer: ReturnType<typeof setTimeout> | undefined;
      const tick = new Promise<undefined>((resolve) => (timer = setTimeout(resolve, POLL_MS, undefined)));
      const why = await Promise.race([r.async ? (r.value as Promise<unknown>).then(() => undefined) : undefined, this.deaths[w], tick]);
      clearTimeout(timer);
      if (why !== undefined && Atomics.load(this.ctl, done) !== want) return why;
    }
    return undefined;
  }

  private failures(ws: readonly number[], what: string): void {
    const failed = ws.filter((w) => this.ctl[w * SLOT + 62]);
    if (failed.length) throw new WorkerError(`wasm: ${failed.map((w) => this.thread(w)).join(', ')} failed while ${what}`);
  }
}
