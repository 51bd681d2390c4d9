// A plan's kernels as stored WebAssembly modules: plain JSON-safe data (bytes in base64) kept in
// the plan beside its kernel IR, so a plan read back from JSON (or emitted ahead of time) runs
// without the renderer. Rendered with a fixed memory maximum (all wasm32 allows), so the bytes do
// not depend on any one runtime: a shared memory with a smaller maximum still satisfies the import.
//
// API (small on purpose; `graft compile` builds on it):
//   renderModules(kernels) -> WasmModules     render every kernel of a plan's kernel IR
//   moduleBytes(m)         -> Uint8Array      the module's bytes, decoded from base64
//   contentHash(bytes)     -> string          the cache key a runtime compiles each module under
//   matchesKernels(w, ir)  -> string[]        why stored modules do not belong to this kernel IR
import type { Kernel } from '../kernel-ir/types.js';
import type { HostMath } from './render.js';
import { renderWasm } from './render.js';

/** The memory maximum every stored module declares: 65536 pages (4 GiB). */
export const WASM_MAX_PAGES = 65536;

export interface StoredModule {
  readonly name: string;
  /** The module's bytes, base64. */
  readonly bytes: string;
  /** `contentHash` of the bytes. */
  readonly hash: string;
  /** Plan buffers passed as byte offsets, in parameter order (then begin, end). */
  readonly params: readonly number[];
  /** Work units `run` takes: the kernel's elements, or a tiled matmul's row tiles. */
  readonly size: number;
  /** Threads take ranges of units in multiples of this. */
  readonly granule: number;
  /** How the kernel was rendered (per element, or register tiles). */
  readonly schedule: string;
  /** Host functions imported from `math`, in import order. */
  readonly imports: readonly HostMath[];
}

export interface WasmModules {
  readonly version: 1;
  /** The memory maximum the modules import, in 64 KiB pages. */
  readonly maxPages: number;
  /** One module per kernel of `plan.kernelIR`, in the same order. */
  readonly modules: readonly StoredModule[];
}

/** 64-bit FNV-1a over the bytes (two 32-bit halves), as 16 hex digits: a cache key, not a signature. */
export const contentHash = (bytes: Uint8Array): string => {
  let lo = 0x84222325;
  let hi = 0xcbf29ce4;
  for (let i = 0; i < bytes.length; i++) {
    lo ^= bytes[i];
    // multiply by the FNV prime 2^40 + 0x1b3, mod 2^64, in 32-bit halves
    const a = Math.imul(lo, 0x1b3);
    const carry = Math.floor(((lo >>> 0) * 0x1b3) / 2 ** 32);
    hi = (Math.imul(hi, 0x1b3) + Math.imul(lo, 0x100) + carry) | 0;
    lo = a;
  }
  return (hi >>> 0).toString(16).padStart(8, '0') + (lo >>> 0).toString(16).padStart(8, '0');
};

const toBase64 = (bytes: Uint8Array): string => {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
};

export const moduleBytes = (m: StoredModule): Uint8Array<ArrayBuffer> => Uint8Array.from(atob(m.bytes), (ch) => ch.charCodeAt(0));

/** Renders (and validates) every kernel; a renderer bug throws a RenderError naming the kernel. */
export const renderModules = (kernels: readonly Kernel[], options: { readonly fma?: boolean } = {}): WasmModules => ({
  version: 1,
  maxPages: WASM_MAX_PAGES,
  modules: kernels.map((k) => {
    const r = renderWasm(k, { maxPages: WASM_MAX_PAGES, fma: options.fma });
    return { name: r.name, bytes: toBase64(r.bytes), hash: contentHash(r.bytes), params: r.params, size: r.size, granule: r.granule, schedule: r.schedule, imports: r.imports };
  }),
});

/** Problems that make stored modules unusable for this kernel IR (empty when they fit). */
export const matchesKernels = (w: WasmModules, kernels: readonly Kernel[]): string[] => {
  if (w.version !== 1) return [`stored wasm modules: version ${String(w.version)}, expected 1`];
  if (w.modules.length !== kernels.length) return [`stored wasm modules: ${w.modules.length} modules for ${kernels.length} kernels`];
  return kernels.flatMap((k, i) => {
    const m = w.modules[i];
    // a tiled module counts row tiles, not elements
    const sized = m.schedule !== 'elements' || m.size === k.size;
    const same = m.name === k.name && sized && m.params.length === k.params.length && m.params.every((p, j) => p === k.params[j]);
    return same ? [] : [`stored wasm module ${i} (${m.name}) does not match kernel ${k.name} (name, size or parameters differ)`];
  });
};
