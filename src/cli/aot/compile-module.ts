// An entry's exported programs to an ahead-of-time module: compile each, render its kernels, bundle
// the data with the runtime, and type it. Every problem (a failed export, a plan the wasm backend
// cannot run) is reported at once, before anything is written.
import { compile } from '../../compiler/compile.js';
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
  readonly kernels: number;
}

export const compileModule = async (exports: Readonly<Record<string, unknown>>, targets: readonly Target[], platform: Platform, graftVersion: string): Promise<{ problems: string[] } | { problems?: undefined; module: CompiledModule }> => {
  const found = exportedPrograms(exports);
  const problems = [...found.problems];
  if (!found.programs.length && !problems.length) problems.push('the entry exports no program (a Program, an optimizer step from buildStep, or an Either of one)');
  // kernels declare all of wasm32 (4 GiB) as their memory's maximum, in Node and browsers alike
  const maxPages = MAX_PAGES;
  const programs: Record<string, AotProgram> = {};
  for (const e of found.programs) {
    const plan = compile(e.program);
    if (!plan.kernelIR) problems.push(`program '${e.name}': the wasm backend cannot run it (${plan.kernelIRError ?? 'no kernel IR'})`);
    else programs[e.name] = aotProgram(e, plan, targets, maxPages);
  }
  if (problems.length) return { problems };
  const data = aotData(programs, targets, maxPages, graftVersion);
  const { code, inputs } = await bundleModule(data, platform);
  return { module: { data, code, types: moduleTypes(data), inputs, kernels: Object.values(programs).reduce((n, p) => n + p.wasm.length, 0) } };
};
