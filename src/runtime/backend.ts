// Backend selection: webgpu where the `webgpu` package yields an adapter (a real GPU for auto; a software one
// only when asked for), else graft's own wasm kernels, else gpu.js's webasm, else cpu; each fallback says why.
import { probeWebGPUQuietly } from './webgpu-probe.js';
import { quietDawnEnvironment } from './dawn-env.js';
import { findWebGPUAdapter } from './webgpu/find-adapter.js';
import { simdProbe } from '../compiler/wasm/probe.js';

export type BackendName = 'webgpu' | 'wasm' | 'webasm' | 'cpu';
export type BackendChoice = BackendName | 'auto';
/** The backends that run gpu.js kernels. */
export type GpuBackendName = Exclude<BackendName, 'wasm'>;

export const BACKEND_ENV = 'GRAFT_BACKEND';
const CHOICES: readonly BackendChoice[] = ['auto', 'webgpu', 'wasm', 'webasm', 'cpu'];

export interface BackendReport {
  readonly requested: BackendChoice;
  readonly backend: BackendName;
  /** Why the requested or preferred backend was not used; undefined when it was. */
  readonly fallbackReason?: string;
  /** webgpu: the adapter that runs the kernels ("google swiftshader (…), software"). */
  readonly adapter?: string;
}

export const parseBackendChoice = (raw: string | undefined, source: string): BackendChoice => {
  if (raw === undefined || raw === '') return 'auto';
  if ((CHOICES as readonly string[]).includes(raw)) return raw as BackendChoice;
  throw new Error(`${source}: backend '${raw}' is not one of ${CHOICES.join(', ')}`);
};

let webgpuProbe: Promise<string | undefined> | undefined;

/**
 * For gpu.js's webgpu mode: installs navigator.gpu from Dawn once; resolves to undefined when an adapter answers, else the reason.
 * Dawn is loaded here only after a child process found an adapter, so a machine without one never sees Dawn's noise.
 */
export const probeWebGPU = (): Promise<string | undefined> =>
  (webgpuProbe ??= (async () => {
    const g = globalThis as { navigator?: { gpu?: unknown } };
    if (!g.navigator?.gpu) {
      const quiet = await probeWebGPUQuietly();
      if (quiet !== undefined) return quiet;
    }
    try {
      quietDawnEnvironment();
      const dawn = (await import('webgpu')) as unknown as { create(flags: string[]): unknown; globals: object };
      if (!g.navigator?.gpu) {
        Object.assign(globalThis, dawn.globals);
        const gpu = dawn.create([]);
        if (g.navigator) Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
        else Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
      }
      const adapter = await (g.navigator!.gpu as { requestAdapter(): Promise<unknown> }).requestAdapter();
      return adapter ? undefined : 'webgpu: no adapter (no GPU with a Vulkan driver on this machine)';
    } catch (e) {
      return `webgpu: the Dawn module did not load (${(e as Error).message.split('\n')[0]})`;
    }
  })());

const LOADER_DIRS = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib', '/lib/x86_64-linux-gnu', '/lib64', '/usr/local/lib'];

/** Where the Vulkan loader looks for driver manifests (ICDs) on Linux, unless $VK_ICD_FILENAMES / $VK_DRIVER_FILES name them. */
const icdDirs = (): string[] => {
  const { env } = process;
  const config = (env.XDG_CONFIG_DIRS || '/etc/xdg').split(':');
  const data = [env.XDG_DATA_HOME || `${env.HOME ?? ''}/.local/share`, ...(env.XDG_DATA_DIRS || '/usr/local/share:/usr/share').split(':')];
  return [...config, '/etc', ...data].filter(Boolean).map((d) => `${d}/vulkan/icd.d`);
};

/** On Linux Dawn needs the Vulkan loader and a driver; without them, skip loading it (it would only find nothing). */
const vulkanMissing = async (): Promise<string | undefined> => {
  if (process.platform !== 'linux') return undefined;
  const { existsSync, readdirSync } = await import('node:fs');
  if (!LOADER_DIRS.some((d) => existsSync(`${d}/libvulkan.so.1`))) return 'webgpu: no Vulkan loader (libvulkan.so.1) on this machine';
  if (process.env.VK_ICD_FILENAMES || process.env.VK_DRIVER_FILES) return undefined;
  const manifests = icdDirs().some((d) => {
    try {
      return readdirSync(d).some((f) => f.endsWith('.json'));
    } catch {
      return false;
    }
  });
  return manifests ? undefined : 'webgpu: no Vulkan driver (no ICD manifest under vulkan/icd.d) on this machine';
};

const webasmReason = (): string | undefined =>
  typeof WebAssembly === 'object' && typeof WebAssembly.validate === 'function' ? undefined : 'webasm: WebAssembly is not available';

/** graft's wasm kernels need SIMD128 and a shared memory. */
const wasmReason = (): string | undefined => {
  if (typeof WebAssembly !== 'object' || typeof SharedArrayBuffer !== 'function') return 'wasm: WebAssembly with shared memory is not available';
  return WebAssembly.validate(simdProbe()) ? undefined : 'wasm: this engine does not validate SIMD128';
};

/** Resolve a choice (option, then $GRAFT_BACKEND, then auto) to the backend that will run. */
export const selectBackend = async (option?: BackendChoice): Promise<BackendReport> => {
  // a caller's option is checked like the variable: a typo never quietly runs on cpu
  const requested = option !== undefined ? parseBackendChoice(option, 'backend option') : parseBackendChoice(process.env[BACKEND_ENV], `$${BACKEND_ENV}`);
  const reasons: string[] = [];
  const order: BackendName[] =
    requested === 'auto' || requested === 'webgpu' ? ['webgpu', 'wasm', 'webasm', 'cpu'] : requested === 'wasm' ? ['wasm', 'webasm', 'cpu'] : requested === 'webasm' ? ['webasm', 'cpu'] : ['cpu'];
  for (const b of order) {
    if (b === 'webgpu') {
      // auto skips the Dawn probe where no Vulkan loader exists, and takes only a real GPU; an explicit request always probes
      const skip = requested === 'auto' ? await vulkanMissing() : undefined;
      const found = skip === undefined ? await findWebGPUAdapter(requested === 'webgpu') : { reason: skip };
      if ('adapter' in found) return { requested, backend: b, adapter: found.description, ...(reasons.length ? { fallbackReason: reasons.join('; ') } : {}) };
      reasons.push(found.reason);
      continue;
    }
    const why = b === 'webasm' ? webasmReason() : b === 'wasm' ? wasmReason() : undefined;
    if (why === undefined) return { requested, backend: b, ...(reasons.length ? { fallbackReason: reasons.join('; ') } : {}) };
    reasons.push(why);
  }
  throw new Error(`no backend available: ${reasons.join('; ')}`);
};
