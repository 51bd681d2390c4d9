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
import { renderWasm } from './render.js';
import type { WasmModules } from './stored-module.js';
import { contentHash, toBase64, WASM_MAX_PAGES } from './stored-module.js';

export type { StoredModule, WasmModules } from './stored-module.js';
export { contentHash, moduleBytes, WASM_MAX_PAGES } from './stored-module.js';

/** Renders (and validates) every kernel; a renderer bug throws a RenderError naming the kernel. */
export const renderModules = (kernels: readonly Kernel[], options: { readonly fma?: boolean } = {}): WasmModules => ({
  version: 2,
  maxPages: WASM_MAX_PAGES,
  modules: kernels.map((k) => {
    const r = renderWasm(k, { maxPages: WASM_MAX_PAGES, fma: options.fma });
    return { name: r.name, bytes: toBase64(r.bytes), hash: contentHash(r.bytes), params: r.params, size: r.size, granule: r.granule, schedule: r.schedule, imports: r.imports, work: r.work, stores: r.stores, relaxedSimd: r.relaxedSimd, ...(r.scratch ? { scratch: r.scratch, phases: r.phases } : {}) };
  }),
});

/** Problems that make stored modules unusable for this kernel IR (empty when they fit). */
export const matchesKernels = (w: WasmModules, kernels: readonly Kernel[]): string[] => {
  if (w.version !== 2) return [`stored wasm modules: version ${String(w.version)}, expected 2 (compile the plan again)`];
  if (w.modules.length !== kernels.length) return [`stored wasm modules: ${w.modules.length} modules for ${kernels.length} kernels`];
  return kernels.flatMap((k, i) => {
    const m = w.modules[i];
    // a tiled module counts row tiles, not elements
    const sized = m.schedule !== 'elements' || m.size === k.size;
    const same = m.name === k.name && sized && m.stores.length === k.stores.length && m.stores.every((b, j) => b === k.stores[j].buffer) && m.params.length === k.params.length && m.params.every((p, j) => p === k.params[j]);
    return same ? [] : [`stored wasm module ${i} (${m.name}) does not match kernel ${k.name} (name, size or parameters differ)`];
  });
};
