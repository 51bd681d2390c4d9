// `npm run build`: the Node bundle and the browser bundle run programs with the source's numbers;
// the browser bundle holds no Node built-in, no gpu.js or Dawn, no CLI and no file I/O.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as E from 'fp-ts/lib/Either.js';
import * as g from '../../src/index.js';

const dist = (f: string) => resolve('dist', f);
before(() => execFileSync(process.execPath, ['scripts/build.mjs'], { encoding: 'utf8' }));

const sgd = g.program({ p: [4099], grad: [4099], lr: [] }, ({ p, grad, lr }) => ({ p: g.sub(p, g.mul(g.tanh(grad), lr)), n: g.sum(g.mul(p, p)) }));
const feeds = { p: Float32Array.from({ length: 4099 }, (_, i) => Math.sin(i)), grad: Float32Array.from({ length: 4099 }, (_, i) => Math.cos(3 * i)), lr: 0.125 };
const bits = (v: Float32Array) => [...new Uint32Array(v.buffer, v.byteOffset, v.length)];

const sourceRun = async () => {
  const rt = await g.createRuntime({ backend: 'wasm', threads: 1 });
  const out = await rt.load(g.compile(E.getOrElseW((e: Error) => assert.fail(e.message))(sgd))).run(feeds);
  rt.destroy();
  return E.getOrElseW((e: Error) => assert.fail(e.message))(out);
};

test('the browser bundle: no Node built-in, gpu.js, Dawn, CLI or file I/O among its inputs', () => {
  const meta = JSON.parse(readFileSync(dist('graft.browser.mjs.meta.json'), 'utf8')) as { inputs: Record<string, unknown> };
  const inputs = Object.keys(meta.inputs);
  assert.ok(inputs.includes('src/compiler/wasm/render.ts') && inputs.includes('src/runtime/wasm/pool.browser.ts'), 'it holds the compiler and the stand-ins');
  assert.deepEqual(inputs.filter((f) => f.startsWith('node:') || /node_modules\/(gpu\.js|webgpu)\//.test(f) || /^src\/(cli|shard)\//.test(f) || /checkpoint|webgpu-probe|\/pool\.ts$|\/threads\.ts$/.test(f)), []);
});

test('the browser bundle compiles and runs a program (wasm, one thread) bit for bit as the source does', async () => {
  const b = await import(pathToFileURL(dist('graft.browser.mjs')).href);
  const prog = b.program({ p: [4099], grad: [4099], lr: [] }, ({ p, grad, lr }: Record<string, unknown>) => ({ p: b.sub(p, b.mul(b.tanh(grad), lr)), n: b.sum(b.mul(p, p)) }));
  const rt = b.createBrowserRuntime();
  const out = await rt.load(b.compile(prog.right)).run(feeds);
  rt.destroy();
  const want = await sourceRun();
  assert.equal(out._tag, 'Right');
  assert.deepEqual(bits(out.right.p), bits(want.p));
  assert.deepEqual(bits(out.right.n), bits(want.n));
});

test('the Node bundle compiles and runs the same program bit for bit', async () => {
  const b = await import(pathToFileURL(dist('graft.mjs')).href);
  const prog = b.program({ p: [4099], grad: [4099], lr: [] }, ({ p, grad, lr }: Record<string, unknown>) => ({ p: b.sub(p, b.mul(b.tanh(grad), lr)), n: b.sum(b.mul(p, p)) }));
  const rt = await b.createRuntime({ backend: 'wasm', threads: 2 });
  const out = await rt.load(b.compile(prog.right)).run(feeds);
  rt.destroy();
  const want = await sourceRun();
  assert.deepEqual(bits(out.right.p), bits(want.p));
  assert.deepEqual(bits(out.right.n), bits(want.n));
});
