// What an ahead-of-time module holds: plans as plain data with their kernels already rendered to
// WebAssembly (base64), and the probes its loader validates. Written by `graft compile`, read by
// the small runtime bundled with it; the format version guards against a mismatch of the two.
import type { Plan } from '../../compiler/plan.js';
import type { RenderedKernel } from '../../compiler/wasm/render.js';

export const AOT_FORMAT = 1;

/** A rendered kernel as stored: every field the renderer gives (name, params, size, imports, …) with its bytes as base64. */
export type AotWasmKernel = Omit<RenderedKernel, 'bytes'> & {
  /** The module's bytes, base64. */
  readonly wasm: string;
};

/** What an optimizer step (`buildStep`) adds: which inputs are parameters, state and per-step keys. */
export interface AotStepInfo {
  readonly params: readonly string[];
  readonly state: readonly string[];
  readonly keySeeds: readonly number[];
  readonly metrics: readonly string[];
}

export interface AotProgram {
  /** The plan; its gpu.js sources are kept only for the gpujs target. */
  readonly plan: Plan;
  readonly wasm: readonly AotWasmKernel[];
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
  /** Targets rendered: wasm always; gpujs sources when asked. */
  readonly targets: readonly string[];
  /** The shared memory's maximum in 64 KiB pages, as the kernels' memory imports declare it. */
  readonly maxPages: number;
  /** Probe modules (base64): one SIMD128 instruction; one relaxed-simd instruction. */
  readonly probes: { readonly simd: string; readonly relaxedSimd: string };
  /** Whether any kernel uses relaxed-simd (then the host must validate that probe). */
  readonly usesRelaxedSimd: boolean;
  readonly programs: Readonly<Record<string, AotProgram>>;
}
