// The gpujs target of an ahead-of-time module: each kernel's gpu.js source run as plain JavaScript
// on the calling thread, one call per output element, into a Float32Array, as gpu.js's cpu mode
// runs it (its translation only re-prints the source). So the bits are gpu.js cpu mode's, and the
// module needs neither gpu.js nor WebAssembly, SIMD or shared memory: the fallback for any host.
import type { LoopSpec } from '../loop-feeds.js';
import { checkLoop, splitFeedProblems } from '../loop-feeds.js';
import { FeedError } from '../../dsl/feed-problems.js';
import { finishOutputs, walkPlan } from '../plan-walk.js';
import { refuseOverGpujs } from '../tensor-limits.js';
import type { AotProgram } from './format.js';

type Either<L, R> = { readonly _tag: 'Left'; readonly left: L } | { readonly _tag: 'Right'; readonly right: R };
type Outputs = Readonly<Record<string, Float32Array>>;
type Feeds = Parameters<typeof splitFeedProblems>[2];

/** A kernel over its argument arrays: a fresh output array. */
type JsKernel = (args: unknown[]) => Float32Array;

/** gpu.js's `this` inside a kernel: the thread being computed (flat kernels use x only). */
interface KernelThis {
  readonly thread: { x: number; y: number; z: number };
}

/** A kernel's source (`function(b3, b7) { … this.thread.x … }`) as a function over `size` threads. */
const jsKernel = (source: string, size: number): JsKernel => {
  const body = new Function(`return (${source});`)() as (this: KernelThis, ...args: unknown[]) => number;
  const self: KernelThis = { thread: { x: 0, y: 0, z: 0 } };
  return (args) => {
    const out = new Float32Array(size);
    for (let x = 0; x < size; x++) {
      self.thread.x = x;
      out[x] = body.apply(self, args);
    }
    return out;
  };
};

/** A program's kernels as functions (new Function: gpujsProblem says first whether this host allows it). */
export const gpujsKernels = (program: AotProgram): JsKernel[] => program.plan.kernels.map((k) => jsKernel(k.source, program.plan.buffers[k.output].size));

/** Why this host cannot run the module's gpujs kernels, or undefined. */
export const gpujsProblem = (): string | undefined => {
  try {
    return new Function('return Math.fround(0.1)')() === Math.fround(0.1) ? undefined : 'Math.fround does not round to float32 here';
  } catch (e) {
    return `this host does not compile JavaScript at run time (${(e as Error).message}; a page needs 'unsafe-eval' in its Content-Security-Policy for the gpujs kernels)`;
  }
};

export interface GpujsRunner {
  run(feeds: Feeds): Promise<Either<FeedError, Outputs>>;
  destroy(): void;
}

export const gpujsExecutable = (p: AotProgram, loop: LoopSpec): GpujsRunner => {
  const plan = p.plan;
  const bad = checkLoop(plan, loop);
  if (bad.length) throw new Error(`bad loop specification:\n  ${bad.join('\n  ')}`);
  refuseOverGpujs(plan, 'gpujs target');
  const kernels = gpujsKernels(p);
  const constants = new Map(plan.buffers.filter((b) => b.kind === 'constant').map((b) => [b.id, Float32Array.from(b.values!)]));
  const perStepNames = loop.perStep ?? [];
  const onceNames = Object.keys(plan.inputs).filter((n) => !perStepNames.includes(n));
  const perStep = new Set(perStepNames);
  const defaults = Object.fromEntries(Object.entries(p.defaults).filter(([n]) => !perStep.has(n)));
  return {
    run: async (feeds) => {
      const split = splitFeedProblems(plan, loop, { ...defaults, ...feeds });
      if (split.problems) return { _tag: 'Left', left: new FeedError(split.problems) };
      const { once, each } = split;
      const initial = new Map<number, unknown>([...constants, ...onceNames.map((n) => [plan.inputs[n], once[n]] as const)]);
      const outs = walkPlan(plan, kernels, loop, initial, (s, n) => each[s][perStepNames.indexOf(n)], (k, args) => k(args));
      return { _tag: 'Right', right: finishOutputs(outs, loop, [...Object.values(once), ...each.flat(), ...constants.values()]) };
    },
    destroy: () => undefined,
  };
};
