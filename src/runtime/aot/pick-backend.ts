/// <reference types="@webgpu/types" />
// Where an ahead-of-time module's programs run: the first of its targets this host runs, in the
// order webgpu (given a GPU), wasm, gpujs, each checked before it is taken; or the one asked for.
import type { KernelPool } from '../wasm/dispatch.js';
import type { AotBackend, AotData } from './format.js';
import { gpujsProblem } from './gpujs.js';
import { AotLoadError, formatProblem, wasmProblems } from './host.js';
import type { AotGpu } from './webgpu.js';
import { openAotGpu } from './webgpu.js';

export interface Platform {
  /** Worker threads besides the caller's (undefined: one thread). */
  readonly pool: (memory: WebAssembly.Memory) => KernelPool | undefined | Promise<KernelPool | undefined>;
  /** A WebGPU entry point (navigator.gpu, or Dawn's in Node): programs run on it where the module holds WGSL and an adapter answers. */
  readonly gpu?: GPU;
  /** Run on this target only; refused (AotLoadError) where the module lacks it or the host cannot run it. Default: the first that runs. */
  readonly backend?: AotBackend;
}

const BACKENDS: readonly AotBackend[] = ['webgpu', 'wasm', 'gpujs'];

type Picked = { readonly backend: 'webgpu'; readonly gpu: AotGpu } | { readonly backend: 'wasm'; readonly relaxedSimd: boolean } | { readonly backend: 'gpujs' };

/** The first of the module's targets this host runs, and why each one before it does not; throws AotLoadError with every problem when none does. */
export const pickBackend = async (data: AotData, platform: Platform): Promise<{ picked: Picked; unused: { webgpu?: string; wasm?: string } }> => {
  const format = formatProblem(data);
  if (format) throw new AotLoadError([format]);
  const held = BACKENDS.filter((b) => data.targets.includes(b));
  const asked = platform.backend;
  if (asked !== undefined && !BACKENDS.includes(asked)) throw new AotLoadError([`backend option: '${asked}' is not one of ${BACKENDS.join(', ')}`]);
  if (asked && !held.includes(asked)) throw new AotLoadError([`backend '${asked}': the module holds ${held.join(', ')} only (compile it with --target ${asked} or all)`]);
  const unused: { webgpu?: string; wasm?: string } = {};
  if (platform.gpu && !held.includes('webgpu')) unused.webgpu = 'the module holds no WGSL (compile it with --target webgpu or all)';
  const problems: string[] = [];
  for (const b of held.filter((x) => !asked || x === asked)) {
    if (b === 'webgpu') {
      if (!platform.gpu) {
        if (asked) problems.push("backend 'webgpu': no WebGPU entry point was given (option gpu)");
        continue;
      }
      const opened = await openAotGpu(platform.gpu);
      if ('device' in opened) return { picked: { backend: 'webgpu', gpu: opened }, unused };
      unused.webgpu = opened.reason;
      problems.push(`WebGPU: ${opened.reason}`);
    } else if (b === 'wasm') {
      const wasm = wasmProblems(data);
      if (!wasm.problems.length) return { picked: { backend: 'wasm', relaxedSimd: wasm.relaxedSimd }, unused };
      unused.wasm = wasm.problems.join('; ');
      problems.push(...wasm.problems);
    } else {
      const why = gpujsProblem();
      if (why === undefined) return { picked: { backend: 'gpujs' }, unused };
      problems.push(why);
    }
  }
  throw new AotLoadError(problems);
};

