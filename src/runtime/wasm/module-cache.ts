// Compiled WebAssembly modules of one runtime, keyed by their content hash: a plan loaded twice
// (or two plans sharing a kernel) compiles each distinct module once.
import type { StoredModule } from '../../compiler/wasm/stored-module.js';
import { moduleBytes } from '../../compiler/wasm/stored-module.js';

export class ModuleCache {
  private readonly byHash = new Map<string, { readonly bytes: string; readonly module: WebAssembly.Module }>();
  /** Modules compiled, and modules served from the cache, since the runtime started. */
  compiled = 0;
  reused = 0;

  module(m: StoredModule): WebAssembly.Module {
    const hit = this.byHash.get(m.hash);
    // the stored hash is only a key: a hit must hold the same bytes
    if (hit && hit.bytes === m.bytes) return this.reused++, hit.module;
    const module = new WebAssembly.Module(moduleBytes(m));
    this.compiled++;
    if (!hit) this.byHash.set(m.hash, { bytes: m.bytes, module });
    return module;
  }
}
