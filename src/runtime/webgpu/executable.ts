/// <reference types="@webgpu/types" />
// A plan on the webgpu backend: its kernel IR rendered to WGSL pipelines once, buffers resident on
// the GPU. `run` takes and returns host arrays; `call` takes and returns resident tensors and may
// consume (donate) state inputs. All steps of a call are one command encoder and one submit (a
// compute pass per step); values come back to the host only when read.
import * as E from 'fp-ts/lib/Either.js';
import type { Plan } from '../../compiler/plan.js';
import { PACK, renderWgsl, splitByBindings } from '../../compiler/wgsl/index.js';
import type { RenderOptions, RenderedWgsl } from '../../compiler/wgsl/index.js';
import type { FeedError } from '../../dsl/feeds.js';
import type { BackendReport } from '../backend.js';
import type { Executable, ExecutionInfo, LoopFeeds, LoopSpec } from '../execute.js';
import { checkLoop, splitFeeds } from '../execute.js';
import type { Outputs } from '../tensor-value.js';
import { concatFloat32 } from '../tensor-value.js';
import { checkResidentCall, claimResident } from '../resident-call.js';
import type { CallOptions } from '../wasm/executable.js';
import type { GpuContext } from './device.js';
import type { BufferPool } from './buffers.js';
import { BufferTooLargeError, tooLarge } from './buffers.js';
import { GpuTensor } from './tensors.js';
import { bufferNames } from '../buffer-names.js';

export type GpuInputs = Readonly<Record<string, GpuTensor | LoopFeeds[string]>>;

export interface WebGPUExecutable extends Executable {
  /** Runs on resident tensors (host feeds are uploaded first); outputs stay resident. */
  call(inputs: GpuInputs, options?: CallOptions): Promise<E.Either<FeedError, Readonly<Record<string, GpuTensor>>>>;
}

interface Compiled {
  readonly r: RenderedWgsl;
  readonly pipeline: GPUComputePipeline;
}

/** Buffer id -> GPU buffer, and the buffers this call acquired. */
interface Frame {
  readonly at: Map<number, GPUBuffer>;
  readonly owned: Set<GPUBuffer>;
}

const BIND_GROUP_CACHE = 4096;

/** Which workgroup-level shaders to render (renderWgsl's options; both default true). */
export type ShaderChoices = Pick<RenderOptions, 'tiledMatmul' | 'treeReduce'>;

export const prepareWebGPU = (ctx: GpuContext, pool: BufferPool, report: BackendReport, plan: Plan, loop: LoopSpec = { steps: 1, carry: {} }, label = 'a webgpu step', shaders: ShaderChoices = {}): WebGPUExecutable => {
  const bad = checkLoop(plan, loop);
  if (bad.length) throw new Error(`bad loop specification:\n  ${bad.join('\n  ')}`);
  if (!plan.kernelIR) throw new Error(`webgpu: this plan has no kernel IR, so the webgpu backend cannot run it (${plan.kernelIRError ?? 'compiled before kernel IR existed'})`);
  ctx.check('loading a plan');
  const { device, limits } = ctx;
  // every tensor is checked before anything is built: all the ones too large, at once
  const names = bufferNames(plan);
  const maxBytes = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  const over = plan.buffers.filter((b) => b.size * 4 > maxBytes).map((b) => tooLarge(`${names.get(b.id) ?? `buffer ${b.id}`} (${b.dtype}[${b.shape.join(', ')}])`, b.size * 4, maxBytes, ctx.adapter));
  if (over.length) throw new BufferTooLargeError(over.join('\n'));

  const kernels: Compiled[] = [];
  const compileErrors: Promise<string | undefined>[] = [];
  for (const k of plan.kernelIR.flatMap((k) => splitByBindings(k, limits.maxStorageBuffersPerShaderStage))) {
    const r = renderWgsl(k, { maxWorkgroupsPerDimension: limits.maxComputeWorkgroupsPerDimension, maxBindings: limits.maxStorageBuffersPerShaderStage, sizeOf: (b) => plan.buffers[b].size, ...shaders });
    device.pushErrorScope('validation');
    const module = device.createShaderModule({ code: r.source, label: k.name });
    const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' }, label: k.name });
    compileErrors.push(device.popErrorScope().then((e) => (e ? `kernel ${k.name}: ${e.message}` : undefined)));
    kernels.push({ r, pipeline });
  }
  const compiled = Promise.all(compileErrors).then((es) => es.filter((e): e is string => e !== undefined));
  const constants = new Map<number, GPUBuffer>();
  for (const b of plan.buffers.filter((x) => x.kind === 'constant')) constants.set(b.id, pool.upload(b.values!, b.size, `constant buffer ${b.id}`));
  const perStepNames = loop.perStep ?? [];
  const onceNames = Object.keys(plan.inputs).filter((n) => !perStepNames.includes(n));
  const sizeOfBuffer = (b: number) => plan.buffers[b].size;
  const bindGroups = new Map<string, GPUBindGroup>();
  let calls = 0;
  let info: ExecutionInfo | undefined;

  const bindGroup = (ki: number, buffers: readonly GPUBuffer[]): GPUBindGroup => {
    const key = `${ki}:${buffers.map((b) => pool.id(b)).join(',')}`;
    let g = bindGroups.get(key);
    if (!g) {
      if (bindGroups.size >= BIND_GROUP_CACHE) bindGroups.clear();
      g = device.createBindGroup({ layout: kernels[ki].pipeline.getBindGroupLayout(0), entries: buffers.map((buffer, binding) => ({ binding, resource: { buffer } })) });
      bindGroups.set(key, g);
    }
    return g;
  };

  const acquire = (f: Frame, buffer: number, what: () => string): GPUBuffer => {
    const b = pool.acquire(sizeOfBuffer(buffer), what, true);
    f.owned.add(b);
    f.at.set(buffer, b);
    return b;
  };

  /** Releases buffers this call acquired that no plan buffer refers to any more. */
  const collectGarbage = (f: Frame, keep: ReadonlySet<GPUBuffer>): void => {
    const live = new Set([...f.at.values(), ...keep]);
    for (const b of f.owned) if (!live.has(b)) pool.release(b), f.owned.delete(b);
  };

  /** Every step into one encoder: per-step uploads, the kernels, copies of collected outputs, carries; one submit. */
  const steps = (f: Frame, each: readonly Float32Array[][]): Record<string, GPUBuffer[]> => {
    const collected: Record<string, GPUBuffer[]> = Object.fromEntries((loop.collect ?? []).map((n) => [n, []]));
    const enc = device.createCommandEncoder();
    for (let s = 0; s < loop.steps; s++) {
      perStepNames.forEach((name, j) => {
        const b = pool.upload(each[s][j], sizeOfBuffer(plan.inputs[name]), `input '${name}' of step ${s}`);
        f.owned.add(b);
        f.at.set(plan.inputs[name], b);
      });
      let pass = enc.beginComputePass();
      for (const [ki, { r, pipeline }] of kernels.entries()) {
        for (const b of r.writes) acquire(f, b, () => `${names.get(b) ?? `buffer ${b}`} of kernel ${r.name}`);
        if (r.dispatch.x === 0) continue;
        let packed: GPUBuffer | undefined;
        if (r.pack) {
          // copies cannot sit inside a compute pass: close it, fill the pack, open the next
          const pack = r.pack;
          packed = pool.acquire(pack.elements, () => `the packed inputs of kernel ${r.name}`, true);
          f.owned.add(packed);
          pass.end();
          pack.buffers.forEach((b, i) => enc.copyBufferToBuffer(f.at.get(b)!, 0, packed!, pack.offsets[i] * 4, sizeOfBuffer(b) * 4));
          pass = enc.beginComputePass();
        }
        pass.setPipeline(pipeline);
        pass.setBindGroup(0, bindGroup(ki, r.bindings.map((b) => (b === PACK ? packed! : f.at.get(b)!))));
        pass.dispatchWorkgroups(r.dispatch.x, r.dispatch.y, r.dispatch.z ?? 1);
      }
      pass.end();
      for (const name of loop.collect ?? []) {
        const b = plan.outputs[name];
        const copy = pool.acquire(sizeOfBuffer(b), `output '${name}' of step ${s}`, true);
        enc.copyBufferToBuffer(f.at.get(b)!, 0, copy, 0, sizeOfBuffer(b) * 4);
        f.owned.add(copy);
        collected[name].push(copy);
      }
      const outs = Object.fromEntries(Object.entries(loop.carry).map(([input, output]) => [input, f.at.get(plan.outputs[output])!]));
      for (const [input, buffer] of Object.entries(outs)) f.at.set(plan.inputs[input], buffer);
      // intermediates of this step are dead; plan outputs stay referenced by the table
      collectGarbage(f, new Set([...Object.values(plan.outputs).map((b) => f.at.get(b)!), ...Object.values(collected).flat()]));
    }
    device.queue.submit([enc.finish()]);
    pool.submitted();
    return collected;
  };

  /**
   * Runs `body` after the kernels compiled, turning device errors into clear ones: the first run in
   * error scopes (they cost a round trip), later ones through the device's uncaptured-error check.
   */
  let scoped = true;
  const guarded = async <A>(what: string, body: () => Promise<A>): Promise<A> => {
    ctx.check(what);
    const errors = await compiled;
    if (errors.length) throw new Error(`webgpu: ${errors.length} kernel(s) did not compile on ${ctx.adapter} (a renderer bug):\n  ${errors.join('\n  ')}`);
    if (!scoped) {
      const result = await body();
      ctx.check(what);
      return result;
    }
    device.pushErrorScope('out-of-memory');
    device.pushErrorScope('validation');
    let result: A;
    try {
      result = await body();
    } finally {
      const [validation, oom] = [await device.popErrorScope(), await device.popErrorScope()];
      ctx.check(what);
      const e = validation ?? oom;
      if (e) throw new Error(`webgpu: ${what} failed on ${ctx.adapter}: ${e.message}`);
    }
    scoped = false;
    return result;
  };

  const record = (): ExecutionInfo => (info ??= { backend: 'webgpu', executor: 'webgpu', kernels: kernels.length, gridKernels: 0, steps: loop.steps, adapter: ctx.adapter, tiledKernels: kernels.filter((k) => k.r.tiled).length, treeKernels: kernels.filter((k) => k.r.treeWorkgroup).length });

  const releaseAll = (f: Frame) => {
    for (const b of f.owned) pool.release(b);
    pool.submitted();
  };

  const run = async (feeds: LoopFeeds): Promise<E.Either<FeedError, Outputs>> => {
    const split = splitFeeds(plan, loop, feeds);
    if (E.isLeft(split)) return split;
    const f: Frame = { at: new Map(constants), owned: new Set() };
    return guarded(`${label}`, async () => {
      try {
        onceNames.forEach((name) => {
          const b = pool.upload(split.right.once[name], sizeOfBuffer(plan.inputs[name]), `input '${name}'`);
          f.owned.add(b);
          f.at.set(plan.inputs[name], b);
        });
        const collected = steps(f, split.right.each);
        record();
        const outNames = Object.keys(plan.outputs);
        const collectNames = Object.keys(collected);
        const flat = [...outNames.map((n) => f.at.get(plan.outputs[n])!), ...collectNames.flatMap((n) => collected[n])];
        const sizes = [...outNames.map((n) => sizeOfBuffer(plan.outputs[n])), ...collectNames.flatMap((n) => collected[n].map(() => sizeOfBuffer(plan.outputs[n])))];
        const values = await pool.read(flat, sizes);
        const out: Record<string, Float32Array> = Object.fromEntries(outNames.map((n, i) => [n, values[i]]));
        let at = outNames.length;
        for (const n of collectNames) {
          out[n] = concatFloat32(values.slice(at, at + loop.steps));
          at += loop.steps;
        }
        return E.right(out);
      } finally {
        releaseAll(f);
      }
    });
  };

  const call: WebGPUExecutable['call'] = async (inputs, options = {}) => {
    const donate = new Set(options.donate ?? []);
    const checked = checkResidentCall(plan, loop, inputs, donate, (v): v is GpuTensor => v instanceof GpuTensor);
    if (E.isLeft(checked)) return checked;
    const { resident, once, each } = checked.right;
    const f: Frame = { at: new Map(constants), owned: new Set() };
    const step = `${label} (call ${++calls})`;
    const unclaim = claimResident(resident, donate, step);
    try {
      return await guarded(step, async () => {
        try {
          for (const name of onceNames) {
            const r = resident.get(name);
            if (r) f.at.set(plan.inputs[name], r.buffer);
            else {
              const b = pool.upload(once[name], sizeOfBuffer(plan.inputs[name]), `input '${name}'`);
              f.owned.add(b);
              f.at.set(plan.inputs[name], b);
            }
          }
          const collected = steps(f, each);
          record();
          // every output handle owns its buffer: one that is an input's, a constant's or another output's is a copy
          const given = new Set<GPUBuffer>([...resident.values()].map((r) => r.buffer));
          const out: Record<string, GpuTensor> = {};
          const enc = device.createCommandEncoder();
          for (const [name, b] of Object.entries(plan.outputs)) {
            let buffer = f.at.get(b)!;
            if (given.has(buffer) || !f.owned.has(buffer)) {
              const copy = pool.acquire(sizeOfBuffer(b), `output '${name}'`, true);
              enc.copyBufferToBuffer(buffer, 0, copy, 0, sizeOfBuffer(b) * 4);
              buffer = copy;
            } else f.owned.delete(buffer);
            given.add(buffer);
            out[name] = new GpuTensor(plan.buffers[b].shape, sizeOfBuffer(b), buffer);
          }
          // a collected output holds every step's value in step order, as run() returns it
          for (const [name, parts] of Object.entries(collected)) {
            const n = sizeOfBuffer(plan.outputs[name]);
            pool.release(out[name].buffer);
            const all = pool.acquire(n * parts.length, `collected output '${name}'`, true);
            parts.forEach((p, i) => enc.copyBufferToBuffer(p, 0, all, i * n * 4, n * 4));
            out[name] = new GpuTensor([n * parts.length], n * parts.length, all);
          }
          device.queue.submit([enc.finish()]);
          return E.right(out);
        } finally {
          releaseAll(f);
        }
      });
    } finally {
      unclaim();
      // the GPU runs queued work in order, so a later call may reuse these buffers
      for (const name of donate) pool.release(resident.get(name)!.buffer);
    }
  };

  return {
    plan,
    info: () => info,
    run,
    call,
    destroy: () => {
      for (const b of constants.values()) pool.release(b);
      constants.clear();
      bindGroups.clear();
    },
  };
};
