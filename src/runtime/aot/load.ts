/// <reference types="@webgpu/types" />
// The runtime of an ahead-of-time module: picks the first of the module's targets this host runs
// (WebGPU given a GPU, then wasm, then gpujs), checking the host for it. wasm instantiates the stored
// kernels over one shared memory and runs plans as the library's wasm backend does (the same
// kernels, dispatch and order of steps), so results are bit-identical; webgpu.ts runs the WGSL and
// gpujs.ts the gpu.js sources as plain JavaScript. Imports no compiler, gpu.js or fp-ts: failures
// come back as a plain `{ _tag: 'Left' | 'Right' }` value, the shape fp-ts's Either has.
import { FeedError } from '../../dsl/feed-problems.js';
import type { LoopFeeds, LoopSpec } from '../loop-feeds.js';
import { checkLoop, splitFeedProblems } from '../loop-feeds.js';
import { dispatcher } from '../wasm/dispatch.js';
import { WasmHeap } from '../wasm/heap.js';
import { refuseOverWasm } from '../tensor-limits.js';
import { instantiateModule } from '../wasm/instance.js';
import { moduleBytes } from '../../compiler/wasm/stored-module.js';
import type { KernelInstance } from '../wasm/instance.js';
import type { KernelPool } from '../wasm/dispatch.js';
import { placeConstants, planSteps } from '../wasm/plan-steps.js';
import type { AotBackend, AotData, AotProgram } from './format.js';
import { gpujsExecutable } from './gpujs.js';
import type { Platform } from './pick-backend.js';
import { pickBackend } from './pick-backend.js';
import { gpuExecutable } from './webgpu.js';

export { FeedError } from '../../dsl/feed-problems.js';
export { AotLoadError } from './host.js';
export type { Platform } from './pick-backend.js';

export type Either<L, R> = { readonly _tag: 'Left'; readonly left: L } | { readonly _tag: 'Right'; readonly right: R };
export type Outputs = Readonly<Record<string, Float32Array>>;

export interface AotExecutable {
  /** One call: host feeds in (defaults filled in), host outputs out; `loop` repeats the plan inside the call. */
  run(feeds: LoopFeeds): Promise<Either<FeedError, Outputs>>;
  destroy(): void;
}

export interface AotRunner extends AotExecutable {
  /** The same program run `spec.steps` times per call, carrying outputs into inputs in memory. */
  loop(spec: LoopSpec): AotExecutable;
}

export interface AotHost {
  /** Where the programs run: WebGPU when a GPU was given, the module holds WGSL and an adapter answers; else wasm where the host runs it; else gpujs. */
  readonly backend: AotBackend;
  /** The adapter (webgpu), or why WebGPU is not used (when a GPU was given). */
  readonly adapter?: string;
  readonly webgpuUnused?: string;
  /** Why the module's wasm kernels do not run here (when it fell back to gpujs). */
  readonly wasmUnused?: string;
  /** Threads the kernels run on (more than 1 only on wasm). */
  readonly threads: number;
  /** Whether the wasm kernels may use relaxed-simd (false off wasm). */
  readonly relaxedSimd: boolean;
}

export interface AotInstance {
  readonly host: AotHost;
  readonly programs: Readonly<Record<string, AotRunner>>;
  destroy(): void;
}


const executable = (heap: WasmHeap, pool: KernelPool | undefined, p: AotProgram, loop: LoopSpec): AotExecutable => {
  const plan = p.plan;
  const bad = checkLoop(plan, loop);
  if (bad.length) throw new Error(`bad loop specification:\n  ${bad.join('\n  ')}`);
  refuseOverWasm(plan);
  const kernels: KernelInstance[] = p.wasm!.map((m) => instantiateModule(m, new WebAssembly.Module(moduleBytes(m)), heap.memory));
  const dispatch = dispatcher(kernels, pool, heap);
  const constants = placeConstants(heap, plan.buffers);
  const { runOnHost } = planSteps(heap, plan, kernels, dispatch, loop);
  const perStep = new Set(loop.perStep ?? []);
  const defaults = Object.fromEntries(Object.entries(p.defaults).filter(([n]) => !perStep.has(n)));
  return {
    run: async (feeds) => {
      const split = splitFeedProblems(plan, loop, { ...defaults, ...feeds });
      if (split.problems) return { _tag: 'Left', left: new FeedError(split.problems) };
      return { _tag: 'Right', right: await runOnHost({ at: new Map(constants), owned: new Set() }, split.once, split.each) };
    },
    destroy: () => {
      for (const a of constants.values()) heap.release(a);
      constants.clear();
      dispatch.release();
    },
  };
};

/** Picks where the programs run, checking the host (throwing AotLoadError with every problem), then makes each program runnable. */
export const loadAot = async (data: AotData, platform: Platform): Promise<AotInstance> => {
  const { picked, unused } = await pickBackend(data, platform);
  const heap = picked.backend === 'wasm' ? new WasmHeap(data.maxPages, Math.min(16, data.maxPages)) : undefined;
  const pool = heap ? await platform.pool(heap.memory) : undefined;
  const made = new Set<AotExecutable>();
  const keep = (e: AotExecutable): AotExecutable => {
    made.add(e);
    return { ...e, destroy: () => void (made.delete(e) && e.destroy()) };
  };
  const make = (p: AotProgram, spec: LoopSpec): AotExecutable =>
    picked.backend === 'webgpu' ? gpuExecutable(picked.gpu, p, spec) : heap ? executable(heap, pool, p, spec) : gpujsExecutable(p, spec);
  const programs = Object.fromEntries(Object.entries(data.programs).map(([name, p]): [string, AotRunner] => {
    let once: AotExecutable | undefined;
    return [name, {
      run: (feeds) => (once ??= keep(make(p, { steps: 1, carry: {} }))).run(feeds),
      loop: (spec) => keep(make(p, spec)),
      destroy: () => once?.destroy(),
    }];
  }));
  const host: AotHost = {
    backend: picked.backend,
    ...(picked.backend === 'webgpu' ? { adapter: picked.gpu.adapter } : {}),
    ...(unused.webgpu !== undefined ? { webgpuUnused: unused.webgpu } : {}),
    ...(unused.wasm !== undefined ? { wasmUnused: unused.wasm } : {}),
    threads: (pool?.size ?? 0) + 1,
    relaxedSimd: picked.backend === 'wasm' && picked.relaxedSimd,
  };
  return {
    host,
    programs,
    destroy: () => {
      [...made].forEach((e) => e.destroy());
      made.clear();
      pool?.destroy();
      if (picked.backend === 'webgpu') picked.gpu.device.destroy();
    },
  };
};
