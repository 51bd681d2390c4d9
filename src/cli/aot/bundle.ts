// The module's JavaScript: its data and the ahead-of-time runtime for one platform, bundled by
// esbuild into one self-contained ES module. The bundle's inputs are checked: no compiler, fp-ts
// or io-ts file may be among them.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import type { AotData } from '../../runtime/aot/format.js';

export type Platform = 'node' | 'browser';

const RUNTIME_DIR = fileURLToPath(new URL('../../runtime/aot/', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const ENTRY: Record<Platform, { file: string; load: string }> = { node: { file: './node.ts', load: 'loadNode' }, browser: { file: './browser.ts', load: 'loadBrowser' } };

/** The stored-module format (data and base64, no renderer) is the one compiler file a runtime reads. */
const RUNTIME_SIDE = /(^|\/)src\/compiler\/wasm\/stored-module\.ts$/;

/** Bundle inputs an ahead-of-time module must never hold: the compiler and layers above the runtime, fp-ts, io-ts, gpu.js and its executor. */

export const forbiddenInputs = (inputs: readonly string[]): string[] =>
  inputs.filter((f) => !RUNTIME_SIDE.test(f)).filter((f) => /(^|\/)node_modules\/(fp-ts|io-ts|gpu\.js|webgpu)\//.test(f) || /(^|\/)src\/(compiler|optim|nn|train|shard|cli)\//.test(f) || /(^|\/)src\/runtime\/(execute|gpu|backend)\.ts$/.test(f));

const entrySource = (data: AotData, platform: Platform): string => `// Written by graft compile: compiled plans and the runtime that runs them.
import { ${ENTRY[platform].load} as loadWith } from ${JSON.stringify(ENTRY[platform].file)};
export { AotLoadError, FeedError } from ${JSON.stringify(ENTRY[platform].file)};
const data = ${JSON.stringify(data)};
export const format = data.format;
export const programs = Object.fromEntries(Object.entries(data.programs).map(([name, p]) => [name, { inputs: p.plan.inputSpecs, outputs: Object.keys(p.plan.outputs) }]));
export async function load(options) { return loadWith(data, options); }
`;

export interface Bundled {
  readonly code: string;
  /** Source files in the bundle, relative to the package root. */
  readonly inputs: readonly string[];
}

export const bundleModule = async (data: AotData, platform: Platform): Promise<Bundled> => {
  const result = await build({
    absWorkingDir: ROOT,
    stdin: { contents: entrySource(data, platform), resolveDir: RUNTIME_DIR, sourcefile: 'graft-module.js', loader: 'js' },
    bundle: true,
    format: 'esm',
    platform,
    target: 'es2022',
    write: false,
    metafile: true,
    minifySyntax: true,
    legalComments: 'none',
    logLevel: 'silent',
  });
  const inputs = Object.keys(result.metafile.inputs);
  const bad = forbiddenInputs(inputs);
  if (bad.length) throw new Error(`internal: the module's runtime would bundle ${bad.join(', ')}`);
  return { code: result.outputFiles[0].text, inputs };
};
