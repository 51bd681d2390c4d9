// Runs plans on gpu.js: one kernel directly, several (or several steps) as one gpu.js pipeline.
import * as E from 'fp-ts/lib/Either.js';
import type { Plan } from '../compiler/plan.js';
import type { Feeds } from '../dsl/feeds.js';
import { FeedError } from '../dsl/feeds.js';
import type { BackendName, BackendReport } from './backend.js';
import type { GpuInstance, GpuKernel, GpuPipeline } from './gpu.js';
import { kernelMode, newKernel } from './gpu.js';
import type { Outputs } from './tensor-value.js';
import { checkLoop } from './loop-feeds.js';
import { splitFeeds } from './split-feeds.js';
import { finishOutputs, walkPlan } from './plan-walk.js';
import { refuseOverGpujs } from './tensor-limits.js';

export { checkLoop } from './loop-feeds.js';
export { splitFeeds } from './split-feeds.js';

/** What actually ran, read back from gpu.js after the first call. */
export interface ExecutionInfo {
  readonly backend: BackendName;
  /** 'kernel' (one direct call), 'fused-threaded' / 'fused-sync' (webasm), 'fused-encoder' (webgpu), 'generic'. */
  readonly executor: string;
  readonly fallbackReason?: string;
  readonly kernels: number;
  /** How many of them ran in their 2-D grid form. */
  readonly gridKernels: number;
  readonly steps: number;
  /** Threads the kernels ran on (wasm). */
  readonly threads?: number;
  /** Whether relaxed-simd was available to the kernels (wasm). */
  readonly relaxedSimd?: boolean;
  /** Whether tiled matmuls accumulated with relaxed-simd fused multiply-add (wasm; other bits than without). */
  readonly fma?: boolean;
  /** How many kernels ran as register-tiled matmuls (wasm). */
  readonly tiledKernels?: number;
  /** How many kernels ran as workgroup tree reductions (webgpu). */
  readonly treeKernels?: number;
  /** The adapter the kernels ran on (webgpu). */
  readonly adapter?: string;
}

/** What ran, in one line for people: `wasm/wasm (2 threads, relaxed-simd off)`, `webasm/fused-sync`. */
export const describeExecution = (info: ExecutionInfo): string => {
  const details = [
    ...(info.threads !== undefined ? [`${info.threads} thread${info.threads === 1 ? '' : 's'}`] : []),
    ...(info.relaxedSimd !== undefined ? [`relaxed-simd ${info.relaxedSimd ? 'on' : 'off'}`] : []),
  ];
  return `${info.backend}/${info.executor}${details.length ? ` (${details.join(', ')})` : ''}`;
};

/** Repeat a plan `steps` times in one call, feeding named outputs back as inputs. */
export interface LoopSpec {
  readonly steps: number;
  /** input name -> output name whose value the next step reads as that input. */
  readonly carry: Readonly<Record<string, string>>;
  /** Inputs that take a different value each step: fed as an array of `steps` feeds. */
  readonly perStep?: readonly string[];
  /** Outputs returned for every step, concatenated in step order (a loss per step, say). */
  readonly collect?: readonly string[];
}

export type LoopFeeds = Readonly<Record<string, Feeds[string] | readonly Feeds[string][]>>;

export interface Executable {
  readonly plan: Plan;
  /** Undefined until the first run. */
  readonly info: () => ExecutionInfo | undefined;
  run(feeds: LoopFeeds): Promise<E.Either<FeedError, Outputs>>;
  destroy(): void;
}

/** gpu.js traces a pipeline with `fn.length` handles, so rest parameters need a fixed-arity wrapper. */
const withArity = (n: number, impl: (handles: unknown[]) => unknown): ((...h: unknown[]) => unknown) => {
  const params = Array.from({ length: n }, (_, i) => `h${i}`).join(', ');
  return new Function('impl', `return function (${params}) { return impl([${params}]); };`)(impl);
};

/**
 * Backends that run a kernel's 2-D grid form: webasm keeps every output flat in one memory, so a
 * later kernel reads a grid result with a flat index (tested). cpu hands back rows and webgpu is
 * unverified here, so they run the flat form.
 */
export const gridKernels = (backend: BackendName): boolean => backend === 'webasm';

export const prepare = (gpu: GpuInstance, report: BackendReport, plan: Plan, loop: LoopSpec = { steps: 1, carry: {} }): Executable => {
  const bad = checkLoop(plan, loop);
  if (bad.length) throw new Error(`bad loop specification:\n  ${bad.join('\n  ')}`);
  refuseOverGpujs(plan, report.backend);
  const useGrid = gridKernels(report.backend);
  const grids = useGrid ? plan.kernels.filter((k) => k.grid).length : 0;
  const kernels = plan.kernels.map((k) =>
    k.grid && useGrid ? newKernel(gpu, k.grid.source, [k.grid.cols, k.grid.rows]) : newKernel(gpu, k.source, [plan.buffers[k.output].size]));
  const constants = new Map(plan.buffers.filter((b) => b.kind === 'constant').map((b) => [b.id, Float32Array.from(b.values!)]));
  const direct = plan.kernels.length <= 1 && loop.steps === 1;
  const perStepNames = loop.perStep ?? [];
  const onceNames = Object.keys(plan.inputs).filter((n) => !perStepNames.includes(n));
  let pipeline: GpuPipeline | undefined;
  let info: ExecutionInfo | undefined;
  let warned = false;

  const record = (): ExecutionInfo => {
    const degraded = kernels.map(kernelMode).find((m) => m !== undefined && m !== report.backend);
    const executor = direct ? 'kernel' : pipeline?.executorKind ?? 'generic';
    // on cpu the generic executor is the plan, not a fallback
    const pipelineReason = report.backend === 'cpu' ? undefined : pipeline?.fallbackReason ?? undefined;
    const reason = pipelineReason ?? (degraded ? kernels.map((k) => k.kernel?.fallbackReason).find(Boolean) ?? `a kernel ran on ${degraded}` : undefined);
    const backend = (direct ? degraded ?? report.backend : pipeline?.backend ?? report.backend) as BackendName;
    const silent = backend !== report.backend || (report.backend !== 'cpu' && executor === 'generic' && !direct);
    if (silent && !warned) {
      warned = true;
      console.warn(`graft: plan asked for ${report.backend} but ran on ${backend} (${executor}): ${reason ?? 'no reason given'}`);
    }
    return { backend, executor, kernels: kernels.length, gridKernels: grids, steps: loop.steps, ...(reason ? { fallbackReason: reason } : {}) };
  };

  const run = async (feeds: LoopFeeds): Promise<E.Either<FeedError, Outputs>> => {
    const split = splitFeeds(plan, loop, feeds);
    if (E.isLeft(split)) return split;
    const { once, each } = split.right;
    let outs: Record<string, unknown>;
    if (direct) {
      const initial = new Map<number, unknown>([...constants, ...onceNames.map((n) => [plan.inputs[n], once[n]] as const)]);
      outs = walkPlan(plan, kernels, loop, initial, (s, n) => each[s][perStepNames.indexOf(n)], (k, args) => k(...args));
      for (const [name, v] of Object.entries(outs)) outs[name] = await v;
    } else {
      pipeline ??= gpu.createPipeline(withArity(constants.size + onceNames.length + each.flat().length, (handles) => {
        const initial = new Map<number, unknown>([...constants.keys(), ...onceNames.map((n) => plan.inputs[n])].map((b, i) => [b, handles[i]]));
        const base = initial.size;
        return walkPlan(plan, kernels, loop, initial, (s, n) => handles[base + s * perStepNames.length + perStepNames.indexOf(n)], (k, args) => k(...args));
      }));
      const args = [...constants.values(), ...onceNames.map((n) => once[n]), ...each.flat()];
      outs = (await pipeline(...args)) as Record<string, unknown>;
    }
    info ??= record();
    return E.right(finishOutputs(outs, loop, [...Object.values(once), ...each.flat(), ...constants.values()]));
  };

  return {
    plan,
    info: () => info,
    run,
    destroy: () => {
      pipeline?.destroy?.();
      kernels.forEach((k) => k.destroy?.());
    },
  };
};
