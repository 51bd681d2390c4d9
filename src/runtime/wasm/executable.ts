// A plan on the wasm backend: its stored modules (rendered here only when missing or for FMA) compiled once, buffers in the runtime's
// memory. `run` takes and returns host arrays; `call` takes and returns resident tensors and may
// consume (donate) state inputs (a collected output comes back as one tensor of every step's values). Both repeat the plan `loop.steps` times, carrying outputs into
// inputs without leaving memory.
import * as E from 'fp-ts/lib/Either.js';
import type { Plan } from '../../compiler/plan.js';
import type { WasmModules } from '../../compiler/wasm/modules.js';
import { matchesKernels, renderModules } from '../../compiler/wasm/modules.js';
import { FeedError } from '../../dsl/feeds.js';
import type { BackendReport } from '../backend.js';
import type { Executable, ExecutionInfo, LoopFeeds, LoopSpec } from '../execute.js';
import { checkLoop, splitFeeds } from '../execute.js';
import type { Outputs } from '../tensor-value.js';
import { concatFloat32 } from '../tensor-value.js';
import type { WasmHeap } from './heap.js';
import type { KernelInstance } from './instance.js';
import { instantiateModule } from './instance.js';
import type { ModuleCache } from './module-cache.js';
import type { TensorStore } from './tensors.js';
import { ResidentTensor } from './tensors.js';
import { checkResidentCall, claimResident } from '../resident-call.js';
import type { WorkerPool } from './pool.js';
import { dispatcher } from './dispatch.js';
import { inPlaceCandidates, onceInputBuffers } from './in-place.js';
import type { Frame as StepFrame } from './plan-steps.js';
import { placeConstants, planSteps } from './plan-steps.js';
import type { KernelProfile } from './profile.js';
import { refuseOverWasm } from '../tensor-limits.js';

export interface CallOptions {
  /** Inputs whose handles this call consumes: their memory is freed, and reading them is an error naming this step. */
  readonly donate?: readonly string[];
}

export type ResidentInputs = Readonly<Record<string, ResidentTensor | LoopFeeds[string]>>;

export interface WasmExecutable extends Executable {
  /** Runs on resident tensors (host feeds are uploaded first); outputs stay resident. */
  call(inputs: ResidentInputs, options?: CallOptions): Promise<E.Either<FeedError, Readonly<Record<string, ResidentTensor>>>>;
  /** How loading got its modules: rendered here (the plan had none stored), compiled, or reused from the runtime's cache. */
  readonly loaded: { readonly rendered: number; readonly compiled: number; readonly reused: number };
}

export interface WasmFeatures {
  readonly relaxedSimd: boolean;
  /** Tiled matmuls accumulate with relaxed-simd FMA (only where relaxedSimd). */
  readonly fma: boolean;
  /** Worker threads besides the caller's; undefined runs everything on the calling thread. */
  readonly pool?: WorkerPool;
  readonly modules: ModuleCache;
  /** Set: every dispatch is timed into it. */
  readonly profile?: KernelProfile;
}

/** The plan's stored modules; rendered here only when the plan carries none (built by hand, or before they were stored) or FMA was asked for (stored modules sum without it). */
const modulesOf = (plan: Plan, kernelIR: NonNullable<Plan['kernelIR']>, fma: boolean): { wasm: WasmModules; rendered: number } => {
  // with FMA the stored modules are not used: reading plan.wasm (or wasmError) would render them for nothing
  if (fma) return { wasm: renderModules(kernelIR, { fma }), rendered: kernelIR.length };
  if (plan.wasmError) throw new Error(`wasm: this plan's kernels could not be rendered: ${plan.wasmError}`);
  if (!plan.wasm) return { wasm: renderModules(kernelIR, { fma }), rendered: kernelIR.length };
  const bad = matchesKernels(plan.wasm, kernelIR);
  if (bad.length) throw new Error(`wasm: ${bad.join('; ')}`);
  return { wasm: plan.wasm, rendered: 0 };
};

/** Buffer id -> byte offset, the blocks this call allocated, and the donated ones (by address) it has not taken yet. */
interface Frame extends StepFrame {
  readonly donated: Map<number, ResidentTensor>;
  /** The step that consumes donated handles. */
  readonly step: string;
}

const frame = (constants: ReadonlyMap<number, number>, step: string, donated: Map<number, ResidentTensor> = new Map()): Frame => ({ at: new Map(constants), owned: new Set(), donated, step });

export const prepareWasm = (heap: WasmHeap, tensors: TensorStore, report: BackendReport, features: WasmFeatures, plan: Plan, loop: LoopSpec = { steps: 1, carry: {} }, label = 'a wasm step'): WasmExecutable => {
  const bad = checkLoop(plan, loop);
  if (bad.length) throw new Error(`bad loop specification:\n  ${bad.join('\n  ')}`);
  if (!plan.kernelIR) throw new Error(`wasm: this plan has no kernel IR, so the wasm backend cannot run it (${plan.kernelIRError ?? 'compiled before kernel IR existed'})`);
  refuseOverWasm(plan);
  const { wasm, rendered } = modulesOf(plan, plan.kernelIR, features.fma);
  const [compiled0, reused0] = [features.modules.compiled, features.modules.reused];
  const kernels: KernelInstance[] = wasm.modules.map((m) => instantiateModule(m, features.modules.module(m), heap.memory));
  const loaded = { rendered, compiled: features.modules.compiled - compiled0, reused: features.modules.reused - reused0 };
  const pool = features.pool;
  const dispatch = dispatcher(kernels, pool, heap, features.profile && { profile: features.profile, ir: plan.kernelIR });
  const constants = placeConstants(heap, plan.buffers);
  const inPlace = inPlaceCandidates(plan, plan.kernelIR, loop);
  // an input neither carried nor fed per step is read again by every step: its block stays until the last
  const rereadNextStep = new Set(onceInputBuffers(plan, loop));
  const perStepNames = loop.perStep ?? [];
  const onceNames = Object.keys(plan.inputs).filter((n) => !perStepNames.includes(n));
  const sizeOfBuffer = (b: number) => plan.buffers[b].size;
  const outputEntries = Object.entries(plan.outputs);
  const noNames: ReadonlySet<string> = new Set();
  let calls = 0;
  let info: ExecutionInfo | undefined;

  /**
   * A block `out` may be written over: an input's that this call owns or was donated, that the
   * next steps do not read again, and that no live buffer shares (stale entries of the previous
   * step do not count). A donated block taken here is the call's own from then on.
   */
  const takeInPlace = (f: Frame, ki: number, out: number, s: number, written: ReadonlySet<number>, taken: Set<number>): number | undefined => {
    for (const from of inPlace[ki].get(out) ?? []) {
      const addr = f.at.get(from)!;
      if (taken.has(addr) || !(f.owned.has(addr) || f.donated.has(addr)) || (s < loop.steps - 1 && rereadNextStep.has(from))) continue;
      let shared = false;
      for (const [b, a] of f.at) if (a === addr && b !== from && (written.has(b) || plan.buffers[b].kind === 'input' || plan.buffers[b].kind === 'constant')) shared = true;
      if (shared) continue;
      const t = f.donated.get(addr);
      if (t) f.donated.delete(addr), f.owned.add(addr);
      taken.add(addr);
      return addr;
    }
    return undefined;
  };

  // the one step loop (plan-steps.ts, which ahead-of-time modules run too), with this backend's in-place taking and traffic count
  const { upload, steps } = planSteps<Frame>(heap, plan, kernels, dispatch, loop, { kernels: inPlace.map((m) => m.size > 0), take: takeInPlace }, (n) => tensors.count('up', n));

  const record = (): ExecutionInfo => (info ??= { backend: 'wasm', executor: 'wasm', kernels: kernels.length, gridKernels: 0, steps: loop.steps, threads: (pool?.size ?? 0) + 1, relaxedSimd: features.relaxedSimd, fma: features.fma, tiledKernels: kernels.filter((k) => k.kernel.schedule !== 'elements').length });

  const run = async (feeds: LoopFeeds): Promise<E.Either<FeedError, Outputs>> => {
    const split = splitFeeds(plan, loop, feeds);
    if (E.isLeft(split)) return split;
    const f = frame(constants, `${label} (run)`);
    try {
      onceNames.forEach((name) => upload(f, split.right.once[name], plan.inputs[name], () => `input '${name}'`));
      const collected = await steps(f, split.right.each);
      record();
      const out: Record<string, Float32Array> = {};
      for (const [name, b] of Object.entries(plan.outputs)) out[name] = heap.f32(f.at.get(b)!, sizeOfBuffer(b)).slice();
      for (const [name, parts] of Object.entries(collected)) out[name] = concatFloat32(parts);
      for (const v of Object.values(out)) tensors.count('down', v.length);
      return E.right(out);
    } finally {
      for (const a of f.owned) heap.release(a);
    }
  };

  const call: WasmExecutable['call'] = async (inputs, options = {}) => {
    const donate: ReadonlySet<string> = options.donate?.length ? new Set(options.donate) : noNames;
    const checked = checkResidentCall(plan, loop, inputs, donate, (v): v is ResidentTensor => v instanceof ResidentTensor);
    if (E.isLeft(checked)) return checked;
    const { resident, once, each } = checked.right;
    const step = `${label} (call ${++calls})`;
    const f = frame(constants, step, donate.size ? new Map([...donate].map((name) => [resident.get(name)!.addr, resident.get(name)!])) : undefined);
    const unclaim = claimResident(resident, donate, step);
    try {
      for (const name of onceNames) {
        const r = resident.get(name);
        if (r) f.at.set(plan.inputs[name], r.addr);
        else upload(f, once[name], plan.inputs[name], () => `input '${name}'`);
      }
      const collected = await steps(f, each);
      record();
      // every output handle owns its block: one that is an input's or another output's is a copy (a donated block taken in place is the call's own)
      const given = new Set<number>();
      for (const r of resident.values()) if (r.consumedBy === undefined) given.add(r.addr);
      const out: Record<string, ResidentTensor> = {};
      for (const [name, b] of outputEntries) {
        let addr = f.at.get(b)!;
        if (given.has(addr) || !f.owned.has(addr)) {
          const copy = heap.alloc(sizeOfBuffer(b) * 4, `output '${name}'`);
          heap.f32(copy, sizeOfBuffer(b)).set(heap.f32(addr, sizeOfBuffer(b)));
          addr = copy;
        } else f.owned.delete(addr);
        given.add(addr);
        out[name] = new ResidentTensor(plan.buffers[b].shape, sizeOfBuffer(b), addr);
      }
      // a collected output holds every step's value in step order, as run() returns it
      for (const [name, parts] of Object.entries(collected)) {
        heap.release(out[name].addr);
        const all = concatFloat32(parts);
        const addr = heap.alloc(all.length * 4, `collected output '${name}'`);
        heap.f32(addr, all.length).set(all);
        out[name] = new ResidentTensor([all.length], all.length, addr);
      }
      return E.right(out);
    } finally {
      unclaim();
      for (const a of f.owned) heap.release(a);
      // donated blocks this call did not write over
      for (const a of f.donated.keys()) heap.release(a);
    }
  };

  return {
    plan,
    info: () => info,
    run,
    call,
    loaded,
    destroy: () => {
      for (const a of constants.values()) heap.release(a);
      constants.clear();
      dispatch.release();
    },
  };
};
