// What a host must support to run an ahead-of-time module's wasm kernels, checked before anything is
// instantiated: WebAssembly with SIMD128, shared memory (cross-origin isolation in a browser),
// relaxed-simd when a kernel uses it, and every kernel validating. All problems are reported at once.
import { moduleBytes } from '../../compiler/wasm/stored-module.js';
import type { AotData } from './format.js';
import { AOT_FORMAT } from './format.js';

export class AotLoadError extends Error {
  override readonly name = 'AotLoadError';
  constructor(readonly problems: readonly string[]) {
    super(`graft module cannot load here:\n  ${problems.join('\n  ')}`);
  }
}

const fromBase64 = (s: string): Uint8Array<ArrayBuffer> => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

const sharedMemoryWorks = (): boolean => {
  try {
    return new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true }).buffer instanceof SharedArrayBuffer;
  } catch {
    return false;
  }
};

/** Why this runtime cannot read the module's data at all, or undefined. */
export const formatProblem = (data: AotData): string | undefined =>
  data.format === AOT_FORMAT ? undefined : `module format ${data.format}, but this runtime reads format ${AOT_FORMAT}: compile it again with this graft`;

/** Every reason this host cannot run the module's wasm kernels (empty when it can), and whether relaxed-simd validates. */
export const wasmProblems = (data: AotData): { readonly problems: string[]; readonly relaxedSimd: boolean } => {
  if (typeof WebAssembly !== 'object') return { problems: ['WebAssembly is not available'], relaxedSimd: false };
  const problems: string[] = [];
  if (typeof SharedArrayBuffer !== 'function' || !sharedMemoryWorks()) {
    const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated;
    problems.push(`shared WebAssembly memory is not available${isolated === false ? ' (this page is not cross-origin isolated: serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)' : ''}`);
  }
  const simd = WebAssembly.validate(fromBase64(data.probes.simd));
  if (!simd) problems.push('this WebAssembly engine does not support SIMD128');
  const relaxedSimd = WebAssembly.validate(fromBase64(data.probes.relaxedSimd));
  if (data.usesRelaxedSimd && !relaxedSimd) problems.push('the kernels use relaxed-simd, which this WebAssembly engine does not support');
  // a kernel that fails to validate for another reason is named, never run
  if (simd && (relaxedSimd || !data.usesRelaxedSimd)) {
    for (const [name, p] of Object.entries(data.programs)) {
      for (const k of p.wasm ?? []) if (!WebAssembly.validate(moduleBytes(k))) problems.push(`program '${name}': kernel ${k.name} does not validate on this engine`);
    }
  }
  return { problems, relaxedSimd };
};
