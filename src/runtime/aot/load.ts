/// <reference types="@webgpu/types" />
// The runtime of an ahead-of-time module: checks the host, instantiates the stored kernels over one
// shared memory and runs plans as the library's wasm backend does (the same kernels, dispatch and
// order of steps), so results are bit-identical; or, given a GPU, the module's WGSL (webgpu.ts). Imports no compiler and no fp-ts: failures come back as a plain
// `{ _tag: 'Left' | 'Right' }` value, the shape fp-ts's Either has.
import { FeedError } from '../../dsl/feed-problems.js';
import type { LoopFeeds, LoopSpec } from '../loop-feeds.js';
import { checkLoop, splitFeedProblems } from '../loop-feeds.js';
import { dispatcher } from '../wasm/dispatch.js';
import { WasmHeap } from '../wasm/heap.js';
import { instantiateModule } from '../wasm/instance.js';
import { moduleBytes } from '../../compiler/wasm/stored-module.js';
import type { KernelInstance } from '../wasm/instance.js';
import type { KernelPool } from '../wasm/dispatch.js';
import { placeConstants, planSteps } from '../wasm/plan-steps.js';
import type { AotData, AotProgram } from './format.js';
import { AotLoadError, hostProblems } from './host.js';
import { gpuExecutable, openAotGpu } from './webgpu.js';

export { FeedError } from '../../dsl/feed-problems.js';
export { AotLoadError } from './host.js';

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
  /** Where the programs run: WebGPU when a GPU was given, the module holds WGSL and an adapter answers; else wasm. */
  readonly backend: 'webgpu' | 'wasm';
  /** The adapter (webgpu), or why WebGPU is not used (wasm, when a GPU was given). */
  readonly adapter?: string;
  readonly webgpuUnused?: string;
  readonly threads: number;
  readonly relaxedSimd: boolean;
}

export interface AotInstance {
  readonly host: AotHost;
  readonly programs: Readonly<Record<string, AotRunner>>;
  destroy(): void;
}

export interface Platform {
  /** Worker threads besides the caller's (undefined: one thread). */
  readonly pool: (memory: WebAssembly.Memory) => KernelPool | undefined | Promise<KernelPool | undefined>;
  /** A WebGPU entry point (navigator.gpu, or Dawn's in Node): programs run on it where the module holds WGSL and an adapter answers. */
  readonly gpu?: GPU;
}

const executable = (heap: WasmHeap, pool: KernelPool | undefined, p: AotProgram, loop: LoopSpec): AotExecutable => {
  const plan = p.plan;
  const bad = checkLoop(plan, loop);
  if (bad.length) throw new Error(`bad loop specification:\n  ${bad.join('\n  ')}`);
  const kernels: KernelInstance[] = p.wasm.map((m) => instantiateModule(m, new WebAssembly.Module(moduleBytes(m)), heap.memory));
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

/** Checks the host (throwing AotLoadError with every problem), then makes each program runnable. */
export const loadAot = async (data: AotData, platform: Platform): Promise<AotInstance> => {
  const { problems, relaxedSimd } = hostProblems(data);
  if (problems.length) throw new AotLoadError(problems);
  const heap = new WasmHeap(data.maxPages, Math.min(16, data.maxPages));
  const pool = await platform.pool(heap.memory);
  const made = new Set<AotExecutable>();
  const keep = (e: AotExecutable): AotExecutable => {
    made.add(e);
    return { ...e, destroy: () => void (made.delete(e) && e.destroy()) };
  };
  const wgsl = Object.values(data.programs).every((p) => p.webgpu);
  const opened = platform.gpu ? (wgsl ? await openAotGpu(platform.gpu) : { reason: 'the module holds no WGSL (compile it with --target webgpu or all)' }) : undefined;
  const gpu = opened && 'device' in opened ? opened : undefined;
  const make = (p: AotProgram, spec: LoopSpec): AotExecutable => (gpu ? gpuExecutable(gpu, p, spec) : executable(heap, pool, p, spec));
  const programs = Object.fromEntries(Object.entries(data.programs).map(([name, p]): [string, AotRunner] => {
    let once: AotExecutable | undefined;
    return [name, {
      run: (feeds) => (once ??= keep(make(p, { steps: 1, carry: {} }))).run(feeds),
      loop: (spec) => keep(make(p, spec)),
      destroy: () => once?.destroy(),
    }];
  }));
  return {
    host: { backend: gpu ? 'webgpu' : 'wasm', ...(gpu ? { adapter: gpu.adapter } : opened && 'reason' in opened ? { webgpuUnused: opened.reason } : {}), threads: (pool?.size ?? 0) + 1, relaxedSimd },
    programs,
    destroy: () => {
      [...made].forEach((e) => e.destroy());
      made.clear();
      pool?.destroy();
      gpu?.device.destroy();
    },
  };
};
