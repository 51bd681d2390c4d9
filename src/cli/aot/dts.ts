// The typed face of an ahead-of-time module: each program's feeds (by name, with dtype and shape in
// a comment) and outputs, and the small runtime's API.
import type { AotData } from '../../runtime/aot/format.js';

const key = (name: string): string => JSON.stringify(name);

const API = `/** A value or the reason it failed: the shape fp-ts's Either has (no fp-ts needed). */
export type Either<L, R> = { readonly _tag: 'Left'; readonly left: L } | { readonly _tag: 'Right'; readonly right: R };
/** Where a module's programs run: WGSL on WebGPU, wasm kernels, or the gpu.js sources as plain JavaScript. */
export type Backend = 'webgpu' | 'wasm' | 'gpujs';
/** One flat row-major array per input (a number for a scalar). */
export type Feed = ArrayLike<number> | number;
export declare class FeedError extends Error {
  readonly problems: readonly string[];
}
/** The host lacks something the module needs (SIMD128, shared memory, …), or the format differs; every problem listed. */
export declare class AotLoadError extends Error {
  readonly problems: readonly string[];
}
export interface LoopSpec<F, O> {
  readonly steps: number;
  /** input name -> output name whose value the next step reads. */
  readonly carry: Partial<Record<keyof F & string, keyof O & string>>;
  /** Inputs fed as an array of \`steps\` feeds, one per step. */
  readonly perStep?: readonly (keyof F & string)[];
  /** Outputs returned for every step, concatenated in step order. */
  readonly collect?: readonly (keyof O & string)[];
}
/** A loop's feeds: a per-step input takes an array of \`steps\` feeds. */
export type LoopFeeds<F> = { readonly [K in keyof F]: F[K] | readonly Feed[] };
export interface Executable<F, O> {
  run(feeds: F): Promise<Either<FeedError, O>>;
  destroy(): void;
}
export interface Runner<F, O> extends Executable<F, O> {
  loop(spec: LoopSpec<F, O>): Executable<LoopFeeds<F>, O>;
}
export interface Loaded {
  /** Where the programs run and why the targets before it do not (webgpuUnused, wasmUnused). */
  readonly host: { readonly backend: Backend; readonly adapter?: string; readonly webgpuUnused?: string; readonly wasmUnused?: string; readonly threads: number; readonly relaxedSimd: boolean };
  readonly programs: { readonly [K in keyof Programs]: Runner<Programs[K]['feeds'], Programs[K]['outputs']> };
  destroy(): void;
}
/** The module's format version; \`load\` refuses data of another. */
export declare const format: number;
/** Each program's inputs and outputs, as data. */
export declare const programs: { readonly [K in keyof Programs]: { readonly inputs: readonly { name: string; shape: readonly number[]; dtype: string }[]; readonly outputs: readonly string[] } };
/** Picks the first of the module's targets this host runs (webgpu given \`gpu\`, then wasm, then gpujs), checks the host and makes every kernel; throws AotLoadError naming every missing feature. */
export declare function load(options?: { readonly threads?: number; readonly gpu?: unknown; readonly backend?: Backend }): Promise<Loaded>;
`;

export const moduleTypes = (data: AotData): string => {
  const programs = Object.entries(data.programs).map(([name, p]) => {
    const feeds = p.plan.inputSpecs.map((s) => `      /** ${s.dtype}[${s.shape.join(', ')}] */\n      readonly ${key(s.name)}${s.name in p.defaults ? '?' : ''}: Feed;`);
    const outputs = Object.keys(p.plan.outputs).map((o) => `      readonly ${key(o)}: Float32Array;`);
    return `  ${key(name)}: {\n    feeds: {\n${feeds.join('\n')}\n    };\n    outputs: {\n${outputs.join('\n')}\n    };\n  };`;
  });
  return `// Written by graft compile (module format ${data.format}, graft ${data.graft}).\n${API}\nexport interface Programs {\n${programs.join('\n')}\n}\n`;
};
