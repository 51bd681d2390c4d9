// An entry's exported programs to an ahead-of-time module: compile each, render its kernels, bundle
// the data with the runtime, and type it. Every problem (a failed export, a plan the wasm backend
// cannot run) is reported at once, before anything is written.
import { compile } from '../../compiler/compile.js';
import { relaxedSimdProbe } from '../../compiler/wasm/probe.js';
import type { AotData, AotProgram } from '../../runtime/aot/format.js';
import { MAX_PAGES } from '../../runtime/wasm/heap.js';
import type { Platform } from './bundle.js';
import { bundleModule } from './bundle.js';
import { moduleTypes } from './dts.js';
import { exportedPrograms } from './entry-exports.js';
import type { Target } from './module-data.js';
import { aotData, aotProgram } from './module-data.js';

export interface CompiledModule {
  readonly data: AotData;
  readonly code: string;
  readonly types: string;
  /** Source files bundled into the module's runtime. */
  readonly inputs: readonly string[];
  /** Kernels per target: wasm modules, WGSL shaders (split where they bind too many buffers), gpu.js sources. */
  readonly kernels: Readonly<Partial<Record<Target, number>>>;
}

export const compileModule = async (exports: Readonly<Record<string, unknown>>, targets: readonly Target[], platform: Platform, graftVersion: string, fma = false): Promise<{ problems: string[] } | { problems?: undefined; module: CompiledModule }> => {
  const found = exportedPrograms(exports);
  const problems = [...found.problems];
  if (!found.programs.length && !problems.length) problems.push('the entry exports no program (a Program, an optimizer step from buildStep, or an Either of one)');
  // kernels declare all of wasm32 (4 GiB) as their memory's maximum, in Node and browsers alike
  const maxPages = MAX_PAGES;
  // the renderer validates every module it emits, so FMA needs an engine that knows relaxed-simd
  if (fma && !WebAssembly.validate(relaxedSimdProbe())) problems.push('--fma: this WebAssembly engine has no relaxed-simd, so FMA kernels cannot be rendered and checked here (Node 22 or later, or node --experimental-wasm-relaxed-simd)');
  if (problems.length) return { problems };
  const programs: Record<string, AotProgram> = {};
  for (const e of found.programs) {
    const plan = compile(e.program);
    // wasm and webgpu render the kernel IR; gpujs runs the plan's gpu.js sources, which every plan has
    const needsIR = targets.some((t) => t !== 'gpujs');
    if (needsIR && !plan.kernelIR) problems.push(`program '${e.name}': the wasm backend cannot run it (${plan.kernelIRError ?? 'no kernel IR'})`);
    else if (targets.includes('wasm') && !plan.wasm) problems.push(`program '${e.name}': its kernels could not be rendered to wasm (${plan.wasmError ?? 'no stored modules'})`);
    else programs[e.name] = aotProgram(e, plan, { targets, fma });
  }
  if (problems.length) return { problems };
  const data = aotData(programs, targets, maxPages, graftVersion);
  const { code, inputs } = await bundleModule(data, platform);
  const count = (f: (p: AotProgram) => number) => Object.values(programs).reduce((n, p) => n + f(p), 0);
  const kernels = {
    ...(targets.includes('wasm') ? { wasm: count((p) => p.wasm?.length ?? 0) } : {}),
    ...(targets.includes('webgpu') ? { webgpu: count((p) => p.webgpu?.length ?? 0) } : {}),
    ...(targets.includes('gpujs') ? { gpujs: count((p) => p.plan.kernels.length) } : {}),
  };
  return { module: { data, code, types: moduleTypes(data), inputs, kernels } };
};
