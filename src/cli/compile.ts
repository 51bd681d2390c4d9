// `graft compile <entry> --out <dir|file.mjs>`: the entry's programs as a self-contained ES module
// (plans, wasm kernels, a small runtime) with its .d.mts, written atomically.
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeFileAtomically } from '../train/checkpoint/atomic-write.js';
import type { Platform } from './aot/bundle.js';
import { compileModule } from './aot/compile-module.js';
import type { Target } from './aot/module-data.js';

export const TARGETS = ['wasm', 'gpujs', 'webgpu', 'all'] as const;
export const PLATFORMS = ['node', 'browser'] as const;

export interface CompileOptions {
  readonly out: string;
  readonly target?: string;
  readonly platform?: string;
  /** Tiled matmuls with relaxed-simd FMA. */
  readonly fma?: boolean;
  readonly graftVersion: string;
}

/** The module and types files `--out` names: a .mjs/.js file, or a folder that gets `<entry>.mjs`. */
export const outputFiles = (entry: string, out: string): { js: string; types: string } => {
  const js = /\.m?js$/.test(out) ? resolve(out) : join(resolve(out), `${basename(entry, extname(entry))}.mjs`);
  return { js, types: js.replace(/\.mjs$/, '.d.mts').replace(/\.js$/, '.d.ts') };
};

/** Exit code: 0 written, 1 the entry failed, 2 bad usage. */
export const runCompile = async (entry: string, o: CompileOptions, log: (s: string) => void = console.log, warn: (s: string) => void = console.error): Promise<number> => {
  const usage: string[] = [];
  const target = o.target ?? 'wasm';
  const platform = (o.platform ?? 'node') as Platform;
  if (!(TARGETS as readonly string[]).includes(target)) usage.push(`--target: '${target}' is not one of ${TARGETS.join(', ')}`);
  if (!(PLATFORMS as readonly string[]).includes(platform)) usage.push(`--platform: '${platform}' is not one of ${PLATFORMS.join(', ')}`);
  if (!existsSync(entry) || !statSync(entry).isFile()) usage.push(`${entry}: no such file (the entry: a module exporting programs)`);
  const files = outputFiles(entry, o.out);
  const parent = dirname(files.js);
  if (existsSync(parent) && !statSync(parent).isDirectory()) usage.push(`--out: ${parent} is not a folder`);
  if (/\.m?js$/.test(o.out) && !existsSync(parent)) usage.push(`--out: the folder ${parent} does not exist`);
  if (usage.length) {
    usage.forEach((u) => warn(`error: ${u}`));
    return 2;
  }
  // webgpu brings wasm for hosts without an adapter; gpujs runs anywhere on its own
  const targets: Target[] = target === 'all' ? ['wasm', 'gpujs', 'webgpu'] : target === 'webgpu' ? ['wasm', 'webgpu'] : [target as Target];
  const started = performance.now();
  let exports: Record<string, unknown>;
  try {
    exports = (await import(pathToFileURL(resolve(entry)).href)) as Record<string, unknown>;
  } catch (e) {
    warn(`error: ${entry}: importing the entry failed: ${(e as Error).message}`);
    return 1;
  }
  const compiled = await compileModule(exports, targets, platform, o.graftVersion, o.fma ?? false);
  if (compiled.problems) {
    compiled.problems.forEach((p) => warn(`error: ${entry}: ${p}`));
    return 1;
  }
  const { module } = compiled;
  mkdirSync(parent, { recursive: true });
  writeFileAtomically(files.js, new TextEncoder().encode(module.code));
  writeFileAtomically(files.types, new TextEncoder().encode(module.types));
  const names = Object.keys(module.data.programs);
  const kernels = Object.entries(module.kernels).map(([t, n]) => `${n} ${t === 'webgpu' ? 'WGSL' : t} kernels`).join(', ');
  log(`compiled ${names.length} program${names.length === 1 ? '' : 's'} (${names.join(', ')}; ${kernels}${module.data.usesRelaxedSimd ? ', relaxed-simd FMA' : ''}) for ${platform} in ${((performance.now() - started) / 1000).toFixed(2)} s`);
  log(`wrote ${files.js} (${(Buffer.byteLength(module.code) / 1024).toFixed(1)} KiB) and ${basename(files.types)}`);
  return 0;
};
