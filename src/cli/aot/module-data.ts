// Plans to the data of an ahead-of-time module: each plan's stored wasm modules (`plan.wasm`, the
// one format kernels are stored in) travel as they are, the plan kept as wiring, optimizer metadata
// and fixed inputs alongside. The kernel IR stays behind: the modules carry what the runtime reads.
import type { Plan } from '../../compiler/plan.js';
import { renderModules } from '../../compiler/wasm/modules.js';
import type { WasmModules } from '../../compiler/wasm/modules.js';
import { relaxedSimdProbe, simdProbe } from '../../compiler/wasm/probe.js';
import { toBase64 } from '../../compiler/wasm/stored-module.js';
import { renderWgsl, splitByBindings } from '../../compiler/wgsl/index.js';
import type { AotData, AotPlan, AotProgram, AotWgslKernel } from '../../runtime/aot/format.js';
import { AOT_FORMAT, AOT_WEBGPU_LIMITS } from '../../runtime/aot/format.js';
import type { ExportedProgram } from './entry-exports.js';

export type Target = 'wasm' | 'gpujs' | 'webgpu';

export interface ModuleOptions {
  readonly targets: readonly Target[];
  /** Tiled matmuls accumulate with relaxed-simd FMA (re-rendered here: plans store modules without it). */
  readonly fma?: boolean;
}

/** The plan's stored modules, or (with FMA, which plans do not store) its kernels rendered with FMA. */
export const storedModules = (plan: Plan, fma = false): WasmModules => {
  if (fma) return renderModules(plan.kernelIR!, { fma });
  if (!plan.wasm) throw new Error(`the plan's kernels could not be rendered to wasm: ${plan.wasmError ?? 'no stored modules'}`);
  return plan.wasm;
};

/** Every kernel as WGSL within WebGPU's default limits (split or packed where it binds too many buffers). */
export const wgslKernels = (plan: Plan): AotWgslKernel[] => {
  const { maxStorageBuffersPerShaderStage: maxBindings, maxComputeWorkgroupsPerDimension: maxWorkgroupsPerDimension } = AOT_WEBGPU_LIMITS;
  return plan.kernelIR!.flatMap((k) => splitByBindings(k, maxBindings)).map((k) => renderWgsl(k, { maxBindings, maxWorkgroupsPerDimension, sizeOf: (b) => plan.buffers[b].size }));
};

const NOT_WIRING: ReadonlySet<string> = new Set(['kernelIR', 'kernelIRError', 'wasm', 'wasmError']);

export const aotProgram = (e: ExportedProgram, plan: Plan, options: ModuleOptions): AotProgram => {
  // the wiring only: reading `wasm` would render the modules, which a gpujs module does not hold
  const wiring = Object.fromEntries(Object.keys(plan).filter((k) => !NOT_WIRING.has(k)).map((k) => [k, plan[k as keyof Plan]])) as AotPlan;
  // gpujs runs each kernel's flat source (the grid form is for gpu.js's webasm mode only)
  const gpujs = wiring.kernels.map(({ grid: _grid, ...k }) => k);
  return {
    plan: { ...wiring, kernels: options.targets.includes('gpujs') ? gpujs : [] },
    ...(options.targets.includes('wasm') ? { wasm: storedModules(plan, options.fma).modules } : {}),
    ...(options.targets.includes('webgpu') ? { webgpu: wgslKernels(plan) } : {}),
    defaults: Object.fromEntries(Object.entries(e.step?.fixed ?? {}).map(([name, f]) => [name, Array.from(f.values)])),
    ...(e.step ? { step: { params: e.step.params, state: e.step.state, keySeeds: e.step.keySeeds, metrics: e.step.metrics } } : {}),
    from: e.from,
  };
};

export const aotData = (programs: Readonly<Record<string, AotProgram>>, targets: readonly Target[], maxPages: number, graft: string): AotData => ({
  format: AOT_FORMAT,
  graft,
  // in the order a loader prefers them
  targets: (['webgpu', 'wasm', 'gpujs'] as const).filter((t) => targets.includes(t)),
  maxPages,
  probes: { simd: toBase64(simdProbe()), relaxedSimd: toBase64(relaxedSimdProbe()) },
  // the host must validate relaxed-simd only where a module uses it (FMA-rendered matmuls)
  usesRelaxedSimd: Object.values(programs).some((p) => p.wasm?.some((m) => m.relaxedSimd)),
  programs,
});
