// What an ahead-of-time module holds: plans as plain data (wiring, no kernel IR) with their stored
// WebAssembly modules (the plan's own `plan.wasm` format), and the probes its loader validates. Written by `graft compile`, read by
// the small runtime bundled with it; the format version guards against a mismatch of the two.
import type { Plan } from '../../compiler/plan.js';
import type { StoredModule } from '../../compiler/wasm/stored-module.js';
import type { RenderedWgsl } from '../../compiler/wgsl/render.js';

export const AOT_FORMAT = 3;

/** Where a module's programs run: WGSL on WebGPU, stored wasm modules, or gpu.js sources as plain JavaScript. */
export type AotBackend = 'webgpu' | 'wasm' | 'gpujs';

/** A kernel's WGSL as `renderWgsl` gives it (source, bindings, pack, writes, grid). */
export type AotWgslKernel = RenderedWgsl;

/** The limits the WGSL is rendered within: WebGPU's defaults, which every adapter supports. */
export const AOT_WEBGPU_LIMITS = { maxStorageBuffersPerShaderStage: 8, maxComputeWorkgroupsPerDimension: 65535 } as const;

/** A plan as an AOT module keeps it: wiring, buffers and specs; no kernel IR (the stored modules carry what the runtime reads). */
export type AotPlan = Omit<Plan, 'kernelIR' | 'kernelIRError' | 'wasm' | 'wasmError'>;

/** What an optimizer step (`buildStep`) adds: which inputs are parameters, state and per-step keys. */
export interface AotStepInfo {
  readonly params: readonly string[];
  readonly state: readonly string[];
  readonly keySeeds: readonly number[];
  readonly metrics: readonly string[];
}

export interface AotProgram {
  /** The plan; its kernels' gpu.js sources (flat form) are kept only for the gpujs target. */
  readonly plan: AotPlan;
  /** The plan's stored modules (`plan.wasm.modules`), one per kernel in order (targets wasm, webgpu). */
  readonly wasm?: readonly StoredModule[];
  /** The kernels as WGSL (target webgpu), split where one binds more than the limits allow. */
  readonly webgpu?: readonly AotWgslKernel[];
  /** Inputs whose values are known when compiling (an optimizer's fixed inputs): fed unless the caller feeds them. */
  readonly defaults: Readonly<Record<string, readonly number[]>>;
  readonly step?: AotStepInfo;
  /** Which part of which export this is (`adamw` of `export const adamw = buildStep(...)`, part `step`). */
  readonly from: { readonly export: string; readonly part?: 'init' | 'step' };
}

export interface AotData {
  readonly format: number;
  /** The graft version that wrote it. */
  readonly graft: string;
  /** Targets the module holds, in the order a loader prefers them: webgpu (given a GPU), wasm, gpujs (any host). */
  readonly targets: readonly AotBackend[];
  /** The shared memory's maximum in 64 KiB pages, as the kernels' memory imports declare it. */
  readonly maxPages: number;
  /** Probe modules (base64): one SIMD128 instruction; one relaxed-simd instruction. */
  readonly probes: { readonly simd: string; readonly relaxedSimd: string };
  /** Whether any kernel uses relaxed-simd (then the host must validate that probe). */
  readonly usesRelaxedSimd: boolean;
  readonly programs: Readonly<Record<string, AotProgram>>;
}
