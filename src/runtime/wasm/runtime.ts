// The wasm backend's runtime: one shared memory, resident tensors, plans rendered to modules.
import type { Plan } from '../../compiler/plan.js';
import { relaxedSimdProbe } from '../../compiler/wasm/probe.js';
import type { BackendReport } from '../backend.js';
import type { LoopSpec } from '../execute.js';
import { MAX_PAGES, PAGE, WasmHeap } from './heap.js';
import type { WasmExecutable } from './executable.js';
import { prepareWasm } from './executable.js';
import type { ResidentTensor, TensorError, Traffic } from './tensors.js';
import { TensorStore } from './tensors.js';
import type * as E from 'fp-ts/lib/Either.js';
import type { Shape } from '../../dsl/shape.js';
import { threadCount } from './threads.js';
import { WorkerPool } from './pool.js';
import { ModuleCache } from './module-cache.js';
import type { KernelTime } from './profile.js';
import { KernelProfile } from './profile.js';

export interface WasmOptions {
  /** The most memory the runtime may grow to, in bytes (default: 4 GiB, all wasm32 allows). */
  readonly maxMemoryBytes?: number;
  /** Threads kernels run on, the caller's included; overrides $GRAFT_THREADS; default: every core. */
  readonly threads?: number;
  /** Tiled matmuls use relaxed-simd FMA where the engine validates it; overrides $GRAFT_FMA (1 = on); default off (FMA changes bits). */
  readonly fma?: boolean;
  /** Time every kernel dispatch (read with `profile()`); costs a clock read per dispatch. */
  readonly profile?: boolean;
}

export { THREADS_ENV, threadCount } from './threads.js';
export const FMA_ENV = 'GRAFT_FMA';

/** Whether FMA was asked for: the option, else $GRAFT_FMA ('1' on, '0' or unset off). */
export const fmaRequested = (option: boolean | undefined): boolean => {
  if (option !== undefined) return option;
  // a browser has no process: there only the option asks for FMA
  const raw = typeof process === 'undefined' ? undefined : process.env[FMA_ENV];
  if (raw === undefined || raw === '' || raw === '0') return false;
  if (raw === '1') return true;
  throw new Error(`$${FMA_ENV}: '${raw}' is not 0 or 1`);
};

export interface WasmRuntime {
  readonly report: BackendReport;
  readonly heap: WasmHeap;
  /** `name` labels the step in errors (a donated handle names the step that consumed it). */
  load(plan: Plan, name?: string): WasmExecutable;
  loop(plan: Plan, spec: LoopSpec, name?: string): WasmExecutable;
  upload(values: ArrayLike<number>, shape?: Shape): ResidentTensor;
  read(t: ResidentTensor): E.Either<TensorError, Float32Array>;
  dispose(t: ResidentTensor): void;
  /** Host <-> memory copies so far: uploads and host feeds in, reads and run() outputs out. */
  traffic(): Traffic;
  /** Per-kernel wall times so far, the slowest first (empty unless created with `profile`). */
  profile(): KernelTime[];
  /** Forgets the times so far (a profile of what runs next). */
  resetProfile(): void;
  destroy(): void;
}

/** Whether a runtime is the wasm backend's, which keeps tensors resident (`upload`, `read`, `call`). */
export const isWasmRuntime = (rt: { readonly report: BackendReport }): rt is WasmRuntime => rt.report.backend === 'wasm' && 'upload' in rt;

export const createWasmRuntime = (report: BackendReport, options: WasmOptions = {}): WasmRuntime => {
  const maxPages = Math.max(1, Math.min(MAX_PAGES, Math.floor((options.maxMemoryBytes ?? MAX_PAGES * PAGE) / PAGE)));
  const heap = new WasmHeap(maxPages, Math.min(16, maxPages));
  const tensors = new TensorStore(heap);
  const threads = threadCount(options.threads);
  const relaxedSimd = WebAssembly.validate(relaxedSimdProbe());
  // asked for and missing is an error, not silently off: the user chose other bits than the default's
  const fma = fmaRequested(options.fma);
  if (fma && !relaxedSimd) throw new Error(`wasm: FMA was asked for (${options.fma ? 'the fma option' : `$${FMA_ENV}=1`}) but this engine has no relaxed-simd (Node 20: run node with --experimental-wasm-relaxed-simd; Node 22 and later have it)`);
  const pool = threads > 1 ? new WorkerPool(heap.memory, threads - 1) : undefined;
  const timing = options.profile ? new KernelProfile() : undefined;
  const features = { relaxedSimd, fma, pool, modules: new ModuleCache(), profile: timing };
  const loaded = new Set<WasmExecutable>();
  const keep = (e: WasmExecutable): WasmExecutable => {
    const tracked: WasmExecutable = { ...e, destroy: () => loaded.delete(tracked) && e.destroy() };
    loaded.add(tracked);
    return tracked;
  };
  return {
    report,
    heap,
    load: (plan, name) => keep(prepareWasm(heap, tensors, report, features, plan, undefined, name)),
    loop: (plan, spec, name) => keep(prepareWasm(heap, tensors, report, features, plan, spec, name)),
    upload: (values, shape) => tensors.upload(values, shape),
    read: (t) => tensors.read(t),
    dispose: (t) => tensors.dispose(t),
    traffic: () => tensors.traffic(),
    profile: () => timing?.report() ?? [],
    resetProfile: () => timing?.reset(),
    destroy: () => {
      [...loaded].forEach((e) => e.destroy());
      pool?.destroy();
    },
  };
};
