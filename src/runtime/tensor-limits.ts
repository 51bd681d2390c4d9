// How many elements one tensor may have on each backend (the DSL allows 2^31 - 1: i32 flat
// indices), and the check that refuses a plan with a larger one before anything is built or run.
import type { Plan } from '../compiler/plan.js';
import { bufferNames } from './buffer-names.js';
// from the DSL, not compiler/plan.ts: an ahead-of-time module's runtime must bundle no compiler file
import { MAX_ELEMENTS, MAX_EXACT_INTEGER } from '../dsl/shape.js';
import type { BackendChoice } from './backend.js';

/** gpu.js kernels (webasm, cpu, the AOT gpujs target) compute flat indices in f32, and the hash's 16-bit limbs assume indices below 2^24; the smallest limit, down to which plans record fused tensors. */
export const GPUJS_MAX_ELEMENTS = MAX_EXACT_INTEGER;
/**
 * graft's wasm kernels: wasm32 memory is 4 GiB and the heap's blocks are powers of two, so the
 * largest block is 2 GiB, 2^29 f32 elements (byte offsets 4·i then stay below 2^31, so no i32 overflows).
 */
export const WASM_MAX_ELEMENTS = 2 ** 29;

export interface TensorLimit {
  readonly max: number;
  /** Why, for messages: "2^24 on gpu.js: …". */
  readonly why: string;
}

const GPUJS: TensorLimit = { max: GPUJS_MAX_ELEMENTS, why: '2^24 on gpu.js, whose kernels index in f32; the wasm and webgpu backends take more' };
const DSL: TensorLimit = { max: MAX_ELEMENTS, why: "2^31 - 1, graft's i32 indices; webgpu's adapter binds less, checked when a plan loads" };

/** The most elements one tensor may have on a backend, as known before any device opens (webgpu's adapter limit comes with the device). */
export const TENSOR_LIMITS: Readonly<Record<BackendChoice, TensorLimit>> = {
  cpu: GPUJS,
  webasm: GPUJS,
  wasm: { max: WASM_MAX_ELEMENTS, why: '2^29 on wasm: 2 GiB, the largest block of 4 GiB wasm32 memory; the webgpu backend may take more' },
  webgpu: DSL,
  auto: DSL,
};

export class TensorTooLargeError extends Error {
  override readonly name = 'TensorTooLargeError';
}

/** Every tensor of the plan over `max` elements: its buffers by name, and its fused tensors (no buffer, but the kernels that read one index it whole). */
export const oversizedTensors = (plan: Plan, max: number): string[] => {
  const names = bufferNames(plan);
  const buffers = plan.buffers.filter((b) => b.size > max).map((b) => `${names.get(b.id) ?? `${b.kind} buffer ${b.id}`} ${b.dtype}[${b.shape.join(', ')}] (${b.size} elements)`);
  const fused = (plan.unbuffered ?? []).filter((t) => t.elements > max).map((t) => `a fused ${t.op} [${t.shape.join(', ')}] (${t.elements} elements)`);
  return [...buffers, ...fused];
};

/** Throws a TensorTooLargeError naming every tensor over `max` elements and why the backend cannot index them. */
export const refuseOversized = (plan: Plan, backend: string, max: number, why: string): void => {
  const over = oversizedTensors(plan, max);
  if (over.length) throw new TensorTooLargeError(`${backend}: ${over.length === 1 ? 'a tensor has' : `${over.length} tensors have`} more than ${max} elements (${why}):\n  ${over.join('\n  ')}`);
};

/** The wasm backend's refusal, shared by its runtime and the AOT wasm target. */
export const refuseOverWasm = (plan: Plan): void => refuseOversized(plan, 'wasm', WASM_MAX_ELEMENTS, TENSOR_LIMITS.wasm.why);

/** gpu.js's refusal, shared by the gpu.js backends and the AOT gpujs target. */
export const refuseOverGpujs = (plan: Plan, backend: string): void => refuseOversized(plan, `gpu.js (${backend})`, GPUJS_MAX_ELEMENTS, GPUJS.why);
