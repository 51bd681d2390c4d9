// An ahead-of-time module's WebGPU path (--target webgpu) against the library's webgpu backend on
// the same adapter (SwiftShader where there is no GPU): the same programs and feeds give the same
// bits, for one step and for a loop carrying state and collecting losses.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as E from 'fp-ts/lib/Either.js';
import * as g from '../../../src/dsl/index.js';
import { compile } from '../../../src/compiler/index.js';
import type { Runtime } from '../../../src/runtime/index.js';
import { createRuntime } from '../../../src/runtime/index.js';
import { compileModule } from '../../../src/cli/aot/compile-module.js';
import * as entry from '../../../examples/aot/mnist-mlp.js';
import { webgpuSuite } from '../webgpu/adapter.js';

type Values = Record<string, Float32Array>;
interface Runner { run(f: Record<string, unknown>): Promise<{ _tag: string; left?: Error; right?: Values }> }
interface Loaded {
  host: { backend: string; adapter?: string; webgpuUnused?: string };
  programs: Record<string, Runner & { loop(spec: unknown): Runner }>;
  destroy(): void;
}

const values = (n: number, seed: number, scale = 1): Float32Array => Float32Array.from({ length: n }, (_, i) => scale * Math.sin(seed * 7919 + i * 12.9898));
const right = <T>(e: E.Either<Error, T>): T => (E.isRight(e) ? e.right : assert.fail(e.left.message));
const bits = (v: Float32Array) => [...new Uint32Array(v.buffer, v.byteOffset, v.length)];
/** Dawn's entry point, held for the whole file: collecting it crashes Dawn (runtime/webgpu/device.ts). */
let gpu: GPU;

webgpuSuite('graft compile --target webgpu: the module on WebGPU against the JIT webgpu backend', () => {
  let dir: string;
  let aot: Loaded;
  let jit: Runtime;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'graft-aot-webgpu-'));
    const compiled = await compileModule(entry, ['wasm', 'webgpu'], 'node', 'test');
    if (compiled.problems) assert.fail(compiled.problems.join('\n'));
    writeFileSync(join(dir, 'm.mjs'), compiled.module.code);
    gpu = ((await import('webgpu')) as unknown as { create(flags: string[]): GPU }).create([]);
    aot = await (await import(pathToFileURL(join(dir, 'm.mjs')).href)).load({ threads: 1, gpu });
    jit = await createRuntime({ backend: 'webgpu' });
  });
  after(() => {
    aot?.destroy();
    jit?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs on WebGPU and names the adapter', () => {
    assert.equal(aot.host.backend, 'webgpu', aot.host.webgpuUnused);
    assert.ok(aot.host.adapter && aot.host.adapter.length > 0);
  });

  it('an MNIST MLP training step, then a loop of 3 (batches per step, params and state carried, losses collected), bit for bit', async () => {
    const programs = right(entry.train);
    const init = programs.init!;
    const params: Values = Object.fromEntries(init.inputs.map((s, k) => [s.name, values(s.shape.reduce((a, b) => a * b, 1), k + 31, 0.1)]));
    const jitInit = right(await jit.load(compile(init)).run(params));
    const aotInit = await aot.programs['train.init'].run(params);
    assert.equal(aotInit._tag, 'Right', aotInit.left?.message);
    for (const k of Object.keys(jitInit)) assert.deepEqual(bits(aotInit.right![k]), bits(jitInit[k]), `init output '${k}'`);
    const state = { ...params, ...jitInit };
    const carried = programs.step.inputs.map((s) => s.name).filter((n) => n.startsWith('p:') || n.startsWith('s:'));
    const fixed = Object.fromEntries(Object.entries(programs.fixed).map(([k, f]) => [k, f.values]));
    const batch = (s: number): Values => ({ 'x:x': values(entry.BATCH * entry.FEATURES, 600 + s).map(Math.abs), 'x:y': Float32Array.from({ length: entry.BATCH }, (_, i) => (i * 3 + s) % 10) });
    const one = { ...Object.fromEntries(carried.map((n) => [n, state[n]])), ...batch(0) };
    const want = right(await jit.load(compile(programs.step)).run({ ...fixed, ...one }));
    const got = await aot.programs['train.step'].run(one);
    assert.equal(got._tag, 'Right', got.left?.message);
    assert.ok(Number.isFinite(want['m:loss'][0]) && want['m:loss'][0] > 0);
    for (const k of Object.keys(want)) assert.deepEqual(bits(got.right![k]), bits(want[k]), `step output '${k}'`);

    const spec = { steps: 3, carry: Object.fromEntries(carried.map((n) => [n, n])), perStep: ['x:x', 'x:y'], collect: ['m:loss'] };
    const feeds = { ...Object.fromEntries(carried.map((n) => [n, state[n]])), 'x:x': [0, 1, 2].map((s) => batch(s)['x:x']), 'x:y': [0, 1, 2].map((s) => batch(s)['x:y']) };
    const wantLoop = right(await jit.loop(compile(programs.step), spec).run({ ...fixed, ...feeds }));
    const gotLoop = await aot.programs['train.step'].loop(spec).run(feeds);
    assert.equal(gotLoop._tag, 'Right', gotLoop.left?.message);
    assert.equal(wantLoop['m:loss'].length, 3);
    for (const k of Object.keys(wantLoop)) assert.deepEqual(bits(gotLoop.right![k]), bits(wantLoop[k]), `loop output '${k}'`);
  });

  it('batched matmuls (attention scores and context: a tiled shader over a 3-D grid) give the JIT backend\'s bits', async () => {
    const shapes = { q: [2, 3, 37, 16], k: [2, 3, 29, 16], v: [2, 3, 29, 8] };
    const attention = g.program(shapes, ({ q, k, v }) => {
      const scores = g.matmul(q, g.transpose(k, [0, 1, 3, 2]));
      return { scores, context: g.matmul(scores, v) };
    });
    const compiled = await compileModule({ attention }, ['wasm', 'webgpu'], 'node', 'test');
    if (compiled.problems) assert.fail(compiled.problems.join('\n'));
    writeFileSync(join(dir, 'b.mjs'), compiled.module.code);
    const l: Loaded = await (await import(pathToFileURL(join(dir, 'b.mjs')).href)).load({ threads: 1, gpu });
    try {
      assert.equal(l.host.backend, 'webgpu', l.host.webgpuUnused);
      const feeds: Values = Object.fromEntries(Object.entries(shapes).map(([n, s], i) => [n, values(s.reduce((a, b) => a * b, 1), i + 5)]));
      const want = right(await jit.load(compile(right(attention))).run(feeds));
      const got = await l.programs.attention.run(feeds);
      assert.equal(got._tag, 'Right', got.left?.message);
      // every batch entry, not only the first: a grid without its z dimension leaves the rest unwritten
      for (const name of ['scores', 'context']) assert.deepEqual(bits(got.right![name]), bits(want[name]), name);
    } finally {
      l.destroy();
    }
  });

  it('a --target all module given a GPU runs on it; told to, on wasm or gpujs', async () => {
    const compiled = await compileModule({ adamw: entry.adamw }, ['wasm', 'gpujs', 'webgpu'], 'node', 'test');
    if (compiled.problems) assert.fail(compiled.problems.join('\n'));
    writeFileSync(join(dir, 'all.mjs'), compiled.module.code);
    const module = await import(pathToFileURL(join(dir, 'all.mjs')).href);
    for (const [options, backend] of [[{ gpu }, 'webgpu'], [{ gpu, backend: 'wasm' }, 'wasm'], [{ gpu, backend: 'gpujs' }, 'gpujs']] as const) {
      const l: Loaded = await module.load({ threads: 1, ...options });
      try {
        assert.equal(l.host.backend, backend, l.host.webgpuUnused);
        const grads = { 'g:w': values(1000, 3), 'g:b': values(37, 4) };
        const params = { 'p:w': values(1000, 5, 0.1), 'p:b': values(37, 6, 0.1) };
        const state = (await l.programs['adamw.init'].run(params)).right!;
        const ran = await l.programs['adamw.step'].run({ ...params, ...state, ...grads });
        assert.equal(ran._tag, 'Right', ran.left?.message);
      } finally {
        l.destroy();
      }
    }
  });

  it('a module without WGSL loads on wasm and says why it does not use the GPU', async () => {
    const compiled = await compileModule({ adamw: entry.adamw }, ['wasm'], 'node', 'test');
    if (compiled.problems) assert.fail(compiled.problems.join('\n'));
    writeFileSync(join(dir, 'w.mjs'), compiled.module.code);
    const l: Loaded = await (await import(pathToFileURL(join(dir, 'w.mjs')).href)).load({ threads: 1, gpu });
    try {
      assert.equal(l.host.backend, 'wasm');
      assert.equal(l.host.webgpuUnused, 'the module holds no WGSL (compile it with --target webgpu or all)');
    } finally {
      l.destroy();
    }
  });
});
