// Builds what the browser page loads into examples/browser/build/: the MNIST MLP's programs compiled
// ahead of time for browsers (examples/aot/mnist-mlp.ts: wasm, WGSL and gpu.js sources), a shuffled sample of real MNIST digits,
// the model's initial parameters, and graft's browser bundle (npm run build) for jit.html.
//   npx tsx examples/browser/prepare.ts
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as g from 'graft';
import { compileModule } from 'graft/compile';
import * as entry from '../aot/mnist-mlp.js';

export const BUILD = fileURLToPath(new URL('./build/', import.meta.url));
/** Training examples (a whole number of batches) and evaluation examples, drawn from all ten digits. */
export const TRAIN = 63 * entry.BATCH;
export const SEED = 7;

const write = (name: string, bytes: Uint8Array | string) => {
  const tmp = `${BUILD}.${name}.tmp`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, BUILD + name);
};
const asBytes = (a: Float32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

export const prepare = async (): Promise<void> => {
  const compiled = await compileModule(entry, ['wasm', 'webgpu', 'gpujs'], 'browser', 'example');
  if (compiled.problems) throw new Error(compiled.problems.join('\n'));
  mkdirSync(BUILD, { recursive: true });
  write('mnist-mlp.mjs', compiled.module.code);
  write('mnist-mlp.d.mts', compiled.module.types);
  const all = g.mnist.loadDigits([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const order = g.permutation(all.count, SEED, 0);
  const sample = g.mnist.take(all, order.subarray(0, TRAIN + entry.EVAL));
  const params = g.nn.initParams(entry.model, SEED);
  const names = Object.keys(entry.shapes);
  const flat = new Float32Array(names.reduce((n, k) => n + params[k].length, 0));
  let at = 0;
  const layout = names.map((name) => {
    flat.set(params[name], at);
    at += params[name].length;
    return { name, shape: entry.shapes[name], offset: at - params[name].length };
  });
  write('images.bin', asBytes(sample.images));
  write('labels.bin', asBytes(Float32Array.from(sample.labels)));
  write('params.bin', asBytes(flat));
  // the bundles go to a folder of their own, so a concurrent `npm run build` never hands over half a file
  const bundles = `${BUILD}bundles`;
  execFileSync(process.execPath, [fileURLToPath(new URL('../../scripts/build.mjs', import.meta.url)), bundles]);
  copyFileSync(`${bundles}/graft.browser.mjs`, `${BUILD}graft.browser.mjs`);
  write('meta.json', JSON.stringify({ batch: entry.BATCH, features: entry.FEATURES, train: TRAIN, eval: entry.EVAL, params: layout }));
};

if (process.argv[1] === fileURLToPath(import.meta.url)) await prepare();
