// A plan on the wasm backend: its kernel IR rendered to modules once, buffers in the runtime's
// memory. `run` takes and returns host arrays; `call` takes and returns resident tensors and may
// consume (donate) state inputs (a collected output comes back as one tensor of every step's values). Both repeat the plan `loop.steps` times, carrying outputs into
// inputs without leaving memory.
import * as E from 'fp-ts/lib/Either.js';
import type { Plan } from '../../compiler/plan.js';
import { renderWasm } from '../../compiler/wasm/render.js';
import { FeedError } from '../../dsl/feeds.js';
import { sizeOf } from '../../dsl/shape.js';
import type { BackendReport } from '../backend.js';
import type { Executable, ExecutionInfo, LoopFeeds, LoopSpec } from '../execute.js';
import { checkLoop, splitFeeds } from '../execute.js';
import type { Outputs } from '../tensor-value.js';
import { concatFloat32 } from '../tensor-value.js';
import type { WasmHeap } from './heap.js';
import type { KernelInstance } from './instance.js';
import { instantiate } from './instance.js';
import type { TensorStore } from './tensors.js';
import { ResidentTensor, unusable } from './tensors.js';
import type { WorkerPool } from './pool.js';
import { dispatcher } from './dispatch.js';
import type { KernelProfile } from './profile.js';

export interface CallOptions {
  /** Inputs whose handles this call consumes: their memory is freed, and reading them is an error naming this step. */
  readonly donate?: readonly string[];
}

export type ResidentInputs = Readonly<Record<string, ResidentTensor | LoopFeeds[string]>>;

export interface WasmExecutable extends Executable {
  /** Runs on resident tensors (host feeds are uploaded first); outputs stay resident. */
  call(inputs: ResidentInputs, options?: CallOptions): Promise<E.Either<FeedError, Readonly<Record<string, ResidentTensor>>>>;
}

export interface WasmFeatures {
  readonly relaxedSimd: boolean;
  /** Worker threads besides the caller's; undefined runs everything on the calling thread. */
  readonly pool?: WorkerPool;
  /** Set: every dispatch is timed into it. */
  readonly profile?: KernelProfile;
}

/** Buffer id -> byte offset, and the blocks this call allocated. */
interface Frame {
  readonly at: Map<number, number>;
  readonly owned: Set<number>;
}

export const prepareWasm = (heap: WasmHeap, tensors: TensorStore, report: BackendReport, features: WasmFeatures, plan: Plan, loop: LoopSpec = { steps: 1, carry: {} }, label = 'a wasm step'): WasmExecutable => {
  const bad = checkLoop(plan, loop);
  if (bad.length) throw new Error(`bad loop specification:\n  ${bad.join('\n  ')}`);
  if (!plan.kernelIR) throw new Error(`wasm: this plan has no kernel IR, so the wasm backend cannot run it (${plan.kernelIRError ?? 'compiled before kernel IR existed'})`);
  const kernels: KernelInstance[] = plan.kernelIR.map((k) => instantiate(renderWasm(k, { maxPages: heap.maxPages }), heap.memory));
  const pool = features.pool;
  const dispatch = dispatcher(kernels, plan.kernelIR, pool, features.profile);
  const constants = new Map<number, number>();
  for (const b of plan.buffers.filter((x) => x.kind === 'constant')) {
    const addr = heap.alloc(b.size * 4, `constant buffer ${b.id}`);
    heap.f32(addr, b.size).set(b.values!);
    constants.set(b.id, addr);
  }
  const stores = plan.kernelIR.map((k) => k.stores.map((st) => st.buffer));
  const perStepNames = loop.perStep ?? [];
  const onceNames = Object.keys(plan.inputs).filter((n) => !perStepNames.includes(n));
  const sizeOfBuffer = (b: number) => plan.buffers[b].size;
  let calls = 0;
  let info: ExecutionInfo | undefined;

  const upload = (f: Frame, values: ArrayLike<number>, buffer: number, what: () => string): void => {
    const addr = heap.alloc(sizeOfBuffer(buffer) * 4, what);
    heap.f32(addr, sizeOfBuffer(buffer)).set(values);
    tensors.count('up', sizeOfBuffer(buffer));
    f.owned.add(addr);
    f.at.set(buffer, addr);
  };

  /** Frees blocks this call allocated that no buffer refers to any more. */
  const collectGarbage = (f: Frame, keep: ReadonlySet<number> = new Set()): void => {
    const live = new Set([...f.at.values(), ...keep]);
    for (const a of f.owned) if (!live.has(a)) heap.release(a), f.owned.delete(a);
  };

  /** Every step: per-step inputs, kernels (fresh blocks for what they store), collected outputs, carries. */
  const steps = (f: Frame, each: readonly Float32Array[][]): Record<string, Float32Array[]> => {
    const collected: Record<string, Float32Array[]> = Object.fromEntries((loop.collect ?? []).map((n) => [n, []]));
    for (let s = 0; s < loop.steps; s++) {
      perStepNames.forEach((name, j) => upload(f, each[s][j], plan.inputs[name], () => `input '${name}' of step ${s}`));
      for (const [ki, k] of kernels.entries()) {
        for (const b of stores[ki]) {
          const addr = heap.alloc(sizeOfBuffer(b) * 4, () => `buffer ${b} (${plan.buffers[b].kind}, shape [${plan.buffers[b].shape.join(', ')}]) of kernel ${k.kernel.name}`);
          f.owned.add(addr);
          f.at.set(b, addr);
        }
        dispatch.run(ki, k.kernel.params.map((p) => f.at.get(p)!));
      }
      for (const name of loop.collect ?? []) collected[name].push(heap.f32(f.at.get(plan.outputs[name])!, sizeOfBuffer(plan.outputs[name])).slice());
      const outs = Object.fromEntries(Object.entries(loop.carry).map(([input, output]) => [input, f.at.get(plan.outputs[output])!]));
      for (const [input, addr] of Object.entries(outs)) f.at.set(plan.inputs[input], addr);
      // intermediates of this step are dead; plan outputs stay referenced by the table
      collectGarbage(f, new Set(Object.values(plan.outputs).map((b) => f.at.get(b)!)));
    }
    return collected;
  };

  const record = (): ExecutionInfo => (info ??= { backend: 'wasm', executor: 'wasm', kernels: kernels.length, gridKernels: 0, steps: loop.steps, threads: (pool?.size ?? 0) + 1, relaxedSimd: features.relaxedSimd });

  const run = async (feeds: LoopFeeds): Promise<E.Either<FeedError, Outputs>> => {
    const split = splitFeeds(plan, loop, feeds);
    if (E.isLeft(split)) return split;
    const f: Frame = { at: new Map(constants), owned: new Set() };
    try {
      onceNames.forEach((name) => upload(f, split.right.once[name], plan.inputs[name], () => `input '${name}'`));
      const collected = steps(f, split.right.each);
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

  /** The feed check when every input is resident (the common case, kept cheap): none may be missing. */
  const allResident = (resident: ReadonlyMap<string, ResidentTensor>): ReturnType<typeof splitFeeds> => {
    const missing = plan.inputSpecs.filter((x) => !resident.has(x.name));
    return missing.length
      ? E.left(new FeedError(missing.map((x) => `input '${x.name}': missing (expected ${x.dtype}[${x.shape.join(', ')}])`)))
      : E.right({ once: {}, each: Array.from({ length: loop.steps }, () => []) });
  };

  const call: WasmExecutable['call'] = async (inputs, options = {}) => {
    const donate = new Set(options.donate ?? []);
    const problems: string[] = [];
    const resident = new Map<string, ResidentTensor>();
    const hostFeeds: Record<string, LoopFeeds[string]> = {};
    for (const [name, v] of Object.entries(inputs)) {
      if (!(v instanceof ResidentTensor)) {
        hostFeeds[name] = v;
        continue;
      }
      resident.set(name, v);
      const spec = plan.inputSpecs.find((x) => x.name === name);
      const why = unusable(v, `input '${name}'`);
      if (why) problems.push(why);
      else if (!spec || perStepNames.includes(name)) problems.push(`input '${name}': not a resident input of this program (resident inputs: ${onceNames.join(', ') || 'none'})`);
      else if (v.size !== sizeOf(spec.shape)) problems.push(`input '${name}': a resident tensor of ${v.size} elements, expected ${spec.dtype}[${spec.shape.join(', ')}]`);
    }
    for (const name of donate) if (!resident.has(name)) problems.push(`donate: '${name}' is not a resident input of this call`);
    // host feeds are checked as run() checks them; resident ones were checked above, without reading them
    const split = Object.keys(hostFeeds).length === 0 && perStepNames.length === 0
      ? allResident(resident)
      : splitFeeds({ ...plan, inputSpecs: plan.inputSpecs.filter((x) => !resident.has(x.name)) }, loop, hostFeeds);
    if (E.isLeft(split)) problems.push(...split.left.problems);
    if (problems.length || E.isLeft(split)) return E.left(new FeedError(problems));
    const f: Frame = { at: new Map(constants), owned: new Set() };
    const step = `${label} (call ${++calls})`;
    try {
      for (const name of onceNames) {
        const r = resident.get(name);
        if (r) f.at.set(plan.inputs[name], r.addr);
        else upload(f, split.right.once[name], plan.inputs[name], () => `input '${name}'`);
      }
      const collected = steps(f, split.right.each);
      record();
      // every output handle owns its block: one that is an input's or another output's is a copy
      const given = new Set<number>([...resident.values()].map((r) => r.addr));
      const out: Record<string, ResidentTensor> = {};
      for (const [name, b] of Object.entries(plan.outputs)) {
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
      for (const name of donate) tensors.consume(resident.get(name)!, step);
      return E.right(out);
    } finally {
      for (const a of f.owned) heap.release(a);
    }
  };

  return {
    plan,
    info: () => info,
    run,
    call,
    destroy: () => {
      for (const a of constants.values()) heap.release(a);
      constants.clear();
      dispatch.release();
    },
  };
};
