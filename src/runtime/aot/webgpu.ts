/// <reference types="@webgpu/types" />
// The WebGPU path of an ahead-of-time module: the WGSL `graft compile --target webgpu` rendered for
// each kernel (within WebGPU's default limits, which every adapter meets), run per call: feeds
// uploaded, every step in one command encoder, outputs read back, the call's buffers destroyed.
// The same kernels, splits and packs as the library's webgpu backend, so the same bits.
import type { LoopSpec } from '../loop-feeds.js';
import { checkLoop, splitFeedProblems } from '../loop-feeds.js';
import { FeedError } from '../../dsl/feed-problems.js';
import { concatFloat32 } from '../tensor-value.js';
import type { AotProgram, AotWgslKernel } from './format.js';
import { AOT_WEBGPU_LIMITS } from './format.js';
import { refuseOversized } from '../tensor-limits.js';

type Either<L, R> = { readonly _tag: 'Left'; readonly left: L } | { readonly _tag: 'Right'; readonly right: R };
type Outputs = Readonly<Record<string, Float32Array>>;
type Feeds = Parameters<typeof splitFeedProblems>[2];

/** WebGPU's buffer usage and map mode bits (the spec's values; Node's Dawn installs no globals). */
const STORAGE = 0x80;
const COPY_SRC = 0x4;
const COPY_DST = 0x8;
const MAP_READ = 0x1;
/** The pack's binding in `bindings` (compiler/wgsl/render.ts PACK). */
const PACK = -1;

export interface GpuRunner {
  run(feeds: Feeds): Promise<Either<FeedError, Outputs>>;
  destroy(): void;
}

export interface AotGpu {
  readonly device: GPUDevice;
  /** The adapter, for people. */
  readonly adapter: string;
}

/** An adapter and device within the limits the module's WGSL was rendered for, or why not. */
export const openAotGpu = async (gpu: GPU): Promise<AotGpu | { readonly reason: string }> => {
  try {
    return await open(gpu);
  } catch (e) {
    return { reason: `WebGPU failed to start: ${(e as Error).message}` };
  }
};

const open = async (gpu: GPU): Promise<AotGpu | { readonly reason: string }> => {
  const adapter = await gpu.requestAdapter();
  if (!adapter) return { reason: 'no WebGPU adapter' };
  const l = adapter.limits;
  if (l.maxStorageBuffersPerShaderStage < AOT_WEBGPU_LIMITS.maxStorageBuffersPerShaderStage || l.maxComputeWorkgroupsPerDimension < AOT_WEBGPU_LIMITS.maxComputeWorkgroupsPerDimension) {
    return { reason: `the adapter binds ${l.maxStorageBuffersPerShaderStage} storage buffers and ${l.maxComputeWorkgroupsPerDimension} workgroups per dimension, under WebGPU's defaults the kernels need` };
  }
  const device = await adapter.requestDevice({ requiredLimits: { maxStorageBufferBindingSize: l.maxStorageBufferBindingSize, maxBufferSize: l.maxBufferSize } });
  const i = adapter.info;
  return { device, adapter: [i.vendor, i.architecture, i.description].filter(Boolean).join(' ') || 'a WebGPU adapter' };
};

export const gpuExecutable = (gpu: AotGpu, p: AotProgram, loop: LoopSpec): GpuRunner => {
  const { device } = gpu;
  const plan = p.plan;
  const bad = checkLoop(plan, loop);
  if (bad.length) throw new Error(`bad loop specification:\n  ${bad.join('\n  ')}`);
  const maxBytes = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
  refuseOversized(plan, 'webgpu', Math.floor(maxBytes / 4), `the ${maxBytes} bytes one storage buffer binds on ${gpu.adapter}`);
  const kernels = (p.webgpu ?? []).map((r: AotWgslKernel) => ({ r, pipeline: device.createComputePipeline({ layout: 'auto', compute: { module: device.createShaderModule({ code: r.source, label: r.name }), entryPoint: 'main' }, label: r.name }) }));
  const perStepNames = loop.perStep ?? [];
  const onceNames = Object.keys(plan.inputs).filter((n) => !perStepNames.includes(n));
  const perStep = new Set(perStepNames);
  const defaults = Object.fromEntries(Object.entries(p.defaults).filter(([n]) => !perStep.has(n)));
  const sizeOfBuffer = (b: number) => plan.buffers[b].size;

  const run = async (feeds: Feeds): Promise<Either<FeedError, Outputs>> => {
    const split = splitFeedProblems(plan, loop, { ...defaults, ...feeds });
    if (split.problems) return { _tag: 'Left', left: new FeedError(split.problems) };
    const made: GPUBuffer[] = [];
    const buffer = (elements: number, usage = STORAGE | COPY_SRC | COPY_DST): GPUBuffer => {
      const b = device.createBuffer({ size: Math.max(4, elements * 4), usage });
      made.push(b);
      return b;
    };
    const upload = (values: ArrayLike<number>, elements: number): GPUBuffer => {
      const b = buffer(elements);
      if (elements) device.queue.writeBuffer(b, 0, Float32Array.from(values));
      return b;
    };
    device.pushErrorScope('validation');
    try {
      const at = new Map<number, GPUBuffer>();
      for (const b of plan.buffers) if (b.kind === 'constant') at.set(b.id, upload(b.values!, b.size));
      for (const name of onceNames) at.set(plan.inputs[name], upload(split.once[name], sizeOfBuffer(plan.inputs[name])));
      const collected: Record<string, GPUBuffer[]> = Object.fromEntries((loop.collect ?? []).map((n) => [n, []]));
      const enc = device.createCommandEncoder();
      for (let s = 0; s < loop.steps; s++) {
        perStepNames.forEach((name, j) => at.set(plan.inputs[name], upload(split.each[s][j], sizeOfBuffer(plan.inputs[name]))));
        let pass = enc.beginComputePass();
        for (const { r, pipeline } of kernels) {
          for (const b of r.writes) at.set(b, buffer(sizeOfBuffer(b)));
          if (r.dispatch.x === 0) continue;
          let packed: GPUBuffer | undefined;
          if (r.pack) {
            // copies cannot sit inside a compute pass: close it, fill the pack, open the next
            const pack = r.pack;
            packed = buffer(pack.elements);
            pass.end();
            pack.buffers.forEach((b, i) => enc.copyBufferToBuffer(at.get(b)!, 0, packed!, pack.offsets[i] * 4, sizeOfBuffer(b) * 4));
            pass = enc.beginComputePass();
          }
          pass.setPipeline(pipeline);
          pass.setBindGroup(0, device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: r.bindings.map((b, binding) => ({ binding, resource: { buffer: b === PACK ? packed! : at.get(b)! } })) }));
          pass.dispatchWorkgroups(r.dispatch.x, r.dispatch.y ?? 1, r.dispatch.z ?? 1);
        }
        pass.end();
        for (const name of loop.collect ?? []) {
          const b = plan.outputs[name];
          const copy = buffer(sizeOfBuffer(b));
          enc.copyBufferToBuffer(at.get(b)!, 0, copy, 0, sizeOfBuffer(b) * 4);
          collected[name].push(copy);
        }
        const outs = Object.entries(loop.carry).map(([input, output]) => [plan.inputs[input], at.get(plan.outputs[output])!] as const);
        for (const [input, b] of outs) at.set(input, b);
      }
      // everything read back goes through mappable copies, all mapped after one submit
      const reads: { staging: GPUBuffer; elements: number; put: (v: Float32Array) => void }[] = [];
      const readBack = (from: GPUBuffer, elements: number, put: (v: Float32Array) => void) => {
        const staging = buffer(elements, MAP_READ | COPY_DST);
        if (elements) enc.copyBufferToBuffer(from, 0, staging, 0, elements * 4);
        reads.push({ staging, elements, put });
      };
      const out: Record<string, Float32Array> = {};
      for (const [name, b] of Object.entries(plan.outputs)) readBack(at.get(b)!, sizeOfBuffer(b), (v) => (out[name] = v));
      const steps: Record<string, Float32Array[]> = {};
      for (const [name, parts] of Object.entries(collected)) {
        steps[name] = [];
        parts.forEach((part, i) => readBack(part, sizeOfBuffer(plan.outputs[name]), (v) => (steps[name][i] = v)));
      }
      device.queue.submit([enc.finish()]);
      await Promise.all(reads.map((x) => x.staging.mapAsync(MAP_READ)));
      for (const x of reads) x.put(new Float32Array(x.staging.getMappedRange().slice(0, x.elements * 4)));
      for (const [name, parts] of Object.entries(steps)) out[name] = concatFloat32(parts);
      return { _tag: 'Right', right: out };
    } finally {
      const e = await device.popErrorScope();
      made.forEach((b) => b.destroy());
      if (e) throw new Error(`webgpu (${gpu.adapter}): ${e.message}`);
    }
  };
  return { run, destroy: () => undefined };
};
