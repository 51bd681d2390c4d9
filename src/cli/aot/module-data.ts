// Plans to the data of an ahead-of-time module: each kernel rendered to WebAssembly bytes (base64),
// the plan kept as wiring, optimizer metadata and fixed inputs alongside.
import type { Plan } from '../../compiler/plan.js';
import type { RenderedKernel } from '../../compiler/wasm/render.js';
import { renderWasm } from '../../compiler/wasm/render.js';
import { relaxedSimdProbe, simdProbe } from '../../compiler/wasm/probe.js';
import { toBase64 } from '../../compiler/wasm/stored-module.js';
import type { AotData, AotProgram } from '../../runtime/aot/format.js';
import { AOT_FORMAT } from '../../runtime/aot/format.js';
import type { ExportedProgram } from './entry-exports.js';

export type Target = 'wasm' | 'gpujs';


/** The one place a compiled plan's kernels become wasm bytes (to switch to bytes the plan stores, once it does). */
export const renderedKernels = (plan: Plan, maxPages: number): RenderedKernel[] => plan.kernelIR!.map((k) => renderWasm(k, { maxPages }));

export const aotProgram = (e: ExportedProgram, plan: Plan, targets: readonly Target[], maxPages: number): AotProgram => ({
  plan: targets.includes('gpujs') ? plan : { ...plan, kernels: [] },
  // every field the renderer gives travels, so the runtime reads the kernel as the library would
  wasm: renderedKernels(plan, maxPages).map(({ bytes, ...meta }) => ({ ...meta, wasm: toBase64(bytes) })),
  defaults: Object.fromEntries(Object.entries(e.step?.fixed ?? {}).map(([name, f]) => [name, Array.from(f.values)])),
  ...(e.step ? { step: { params: e.step.params, state: e.step.state, keySeeds: e.step.keySeeds, metrics: e.step.metrics } } : {}),
  from: e.from,
});

export const aotData = (programs: Readonly<Record<string, AotProgram>>, targets: readonly Target[], maxPages: number, graft: string): AotData => ({
  format: AOT_FORMAT,
  graft,
  targets,
  maxPages,
  probes: { simd: toBase64(simdProbe()), relaxedSimd: toBase64(relaxedSimdProbe()) },
  // the renderer emits relaxed-simd nowhere yet; a kernel that does must set this
  usesRelaxedSimd: false,
  programs,
});
