// A plan is plain serialisable data: buffers, kernels (gpu.js source) and wiring. Nothing here runs.
import type { DType } from '../dsl/dtype.js';
import type { Shape } from '../dsl/shape.js';
import type { InputSpec } from '../dsl/program.js';
import type { Kernel } from './kernel-ir/types.js';
import type { WasmModules } from './wasm/modules.js';

export type BufferKind = 'input' | 'constant' | 'intermediate' | 'output';

export interface PlanBuffer {
  readonly id: number;
  readonly kind: BufferKind;
  readonly shape: Shape;
  readonly dtype: DType;
  /** Element count (every dtype is stored as 4-byte floats). */
  readonly size: number;
  /** Input name, for inputs. */
  readonly name?: string;
  /** Values, for constants. */
  readonly values?: readonly number[];
}

export interface PlanKernel {
  readonly name: string;
  /** gpu.js kernel source: `function(b3, b7) { ... }` over flat arrays, one thread per output element. */
  readonly source: string;
  /** Buffers passed as arguments, in parameter order. */
  readonly args: readonly number[];
  readonly output: number;
  /** Ops fused into this kernel, in emission order (e.g. `mul`, `add`, `reduce:sum`). */
  readonly fused: readonly string[];
  /** Bytes read per call, counting each argument buffer once; loops may re-read from cache. */
  readonly bytesRead: number;
  readonly bytesWritten: number;
  /**
   * The same kernel over a 2-D thread grid (x: output column, y: output row), for backends whose
   * SIMD lanes run along x: an operand read that does not depend on x is one load for four lanes.
   */
  readonly grid?: { readonly cols: number; readonly rows: number; readonly source: string };
}

export interface Plan {
  readonly version: 1;
  readonly buffers: readonly PlanBuffer[];
  readonly kernels: readonly PlanKernel[];
  readonly inputs: Readonly<Record<string, number>>;
  readonly outputs: Readonly<Record<string, number>>;
  /** What a backend must support: loops (reductions, matmuls) and random draws. */
  readonly needs: { readonly loops: boolean; readonly random: boolean };
  /** Every declared input, used or not, so feeds are checked as the program declared them. */
  readonly inputSpecs: readonly InputSpec[];
  /**
   * The same computation in graft's kernel IR, kernels over one index space merged (several
   * outputs each); what the wasm backend renders. Absent when lowering failed (`kernelIRError`).
   */
  readonly kernelIR?: readonly Kernel[];
  readonly kernelIRError?: string;
  /** The kernel IR rendered to WebAssembly (bytes in base64): a runtime instantiates these, never re-renders. */
  readonly wasm?: WasmModules;
  /** Why rendering failed (the wasm backend refuses the plan with it). */
  readonly wasmError?: string;
  /**
   * Fused tensors past 2^24 elements (`MAX_EXACT_INTEGER`, gpu.js's limit, the smallest backend's) that no buffer stands for: the kernels that read one
   * index it whole, so backends whose index type bounds it refuse the plan (runtime/tensor-limits.ts).
   */
  readonly unbuffered?: readonly { readonly op: string; readonly shape: Shape; readonly elements: number }[];
  /** Nodes after CSE; duplicates merged; declared inputs no output depends on (dead). */
  readonly stats: { readonly nodes: number; readonly merged: number; readonly unusedInputs: readonly string[] };
}

/** A one-line-per-kernel summary for people. */
export const describePlan = (plan: Plan): string =>
  plan.kernels
    .map((k) => `${k.name}: [${k.fused.join(' ')}] reads ${k.bytesRead} B, writes ${k.bytesWritten} B`)
    .join('\n');
