// `graft compile --target gpujs`: the module runs each kernel's gpu.js source as plain JavaScript and
// gives the JIT gpu.js path's bits (cpu mode, and webasm) for the same programs and data; `--target all` picks
// per host: wasm where the host runs it, gpujs where it cannot (no shared memory, as in a page that
// is not cross-origin isolated), and a host that can run none of a module's targets is refused.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compile } from '../../../src/compiler/index.js';
import type { Runtime } from '../../../src/runtime/index.js';
import { createRuntime } from '../../../src/runtime/index.js';
import type { CompiledModule } from '../../../src/cli/aot/compile-module.js';
import { compileModule } from '../../../src/cli/aot/compile-module.js';
import * as entry from '../../../examples/aot/mnist-mlp.js';
import type { LoadedModule, Values } from './both-ways.js';
import { bits, importModule, right, stepBothWays, values } from './both-ways.js';

let dir: string;
let gpujs: CompiledModule;
let all: CompiledModule;
let aot: LoadedModule;
let cpu: Runtime;

const compiled = async (targets: Parameters<typeof compileModule>[1]): Promise<CompiledModule> => {
  const c = await compileModule(entry, targets, 'node', 'test');
  return c.problems ? assert.fail(c.problems.join('\n')) : c.module;
};
const mnistBatch = (seed: number) => (s: number): Values => ({
  'x:x': values(entry.BATCH * entry.FEATURES, seed + s).map(Math.abs),
  'x:y': Float32Array.from({ length: entry.BATCH }, (_, i) => (i * 7 + s) % 10),
});

/** Runs `f` on a host without shared memory (SharedArrayBuffer absent, as in a page that is not cross-origin isolated). */
const withoutSharedMemory = async <T>(f: () => Promise<T>): Promise<T> => {
  const saved = globalThis.SharedArrayBuffer;
  (globalThis as { SharedArrayBuffer?: unknown }).SharedArrayBuffer = undefined;
  try {
    return await f();
  } finally {
    globalThis.SharedArrayBuffer = saved;
  }
};

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'graft-aot-gpujs-'));
  // --target gpujs compiles these targets (src/cli/compile.ts), --target all these
  gpujs = await compiled(['gpujs']);
  all = await compiled(['wasm', 'gpujs', 'webgpu']);
  aot = await (await importModule(dir, 'gpujs.mjs', gpujs.code)).load();
  cpu = await createRuntime({ backend: 'cpu' });
});
after(() => {
  aot?.destroy();
  cpu?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

describe('graft compile --target gpujs: the module against the JIT gpu.js path (cpu mode)', () => {
  test('it runs on gpujs, holds each plan\'s gpu.js sources and no wasm', () => {
    assert.equal(aot.host.backend, 'gpujs');
    assert.deepEqual(gpujs.data.targets, ['gpujs']);
    const plan = compile(right(entry.train).step);
    const held = gpujs.data.programs['train.step'];
    assert.equal(held.wasm, undefined);
    assert.deepEqual(held.plan.kernels.map((k) => k.source), plan.kernels.map((k) => k.source));
  });

  test('an AdamW step over gradients gives bit-identical parameters and state for 3 steps', async () => {
    const programs = right(entry.adamw);
    const grads = (s: number): Values => ({ 'g:w': values(1000, 100 + s), 'g:b': values(37, 200 + s) });
    const end = await stepBothWays(aot, cpu, 'adamw', programs, grads, 3);
    assert.notDeepEqual(bits(end['p:w']), bits(values(1000, 1, 0.1)), 'the parameters moved');
  });

  test('an MNIST MLP training step (loss, gradients, AdamW) gives bit-identical results for 3 batches', async () => {
    const end = await stepBothWays(aot, cpu, 'train', right(entry.train), mnistBatch(300), 3);
    assert.ok(Number.isFinite(end['m:loss'][0]) && end['m:loss'][0] > 0, 'a real loss came out');
  });

  test('a loop of 3 training steps in one call (batches per step, state carried, losses collected) matches the JIT loop bit for bit', async () => {
    const programs = right(entry.train);
    const init = programs.init!;
    const params: Values = Object.fromEntries(init.inputs.map((s, k) => [s.name, values(s.shape.reduce((a, b) => a * b, 1), k + 11, 0.1)]));
    const state = { ...params, ...right(await cpu.load(compile(init)).run(params)) };
    const carried = programs.step.inputs.map((s) => s.name).filter((n) => n.startsWith('p:') || n.startsWith('s:'));
    const spec = { steps: 3, carry: Object.fromEntries(carried.map((n) => [n, n])), perStep: ['x:x', 'x:y'], collect: ['m:loss'] };
    const batch = mnistBatch(400);
    const feeds = { ...Object.fromEntries(carried.map((n) => [n, state[n]])), 'x:x': [0, 1, 2].map((s) => batch(s)['x:x']), 'x:y': [0, 1, 2].map((s) => batch(s)['x:y']) };
    const fixed = Object.fromEntries(Object.entries(programs.fixed).map(([k, f]) => [k, f.values]));
    const jit = right(await cpu.loop(compile(programs.step), spec).run({ ...fixed, ...feeds }));
    const ran = await aot.programs['train.step'].loop(spec).run(feeds);
    assert.equal(ran._tag, 'Right', ran.left?.message);
    assert.equal(jit['m:loss'].length, 3);
    for (const k of Object.keys(jit)) assert.deepEqual(bits(ran.right![k]), bits(jit[k]), `output '${k}' differs`);
  });

  test('gpu.js\'s webasm mode gives the same bits: an AdamW step and a training step', async () => {
    const webasm = await createRuntime({ backend: 'webasm' });
    try {
      await stepBothWays(aot, webasm, 'adamw', right(entry.adamw), (s) => ({ 'g:w': values(1000, 10 + s), 'g:b': values(37, 20 + s) }), 1);
      await stepBothWays(aot, webasm, 'train', right(entry.train), mnistBatch(800), 1);
    } finally {
      webasm.destroy();
    }
  });

  test('feeds are checked as on the other targets: every problem at once, before any compute', async () => {
    const ran = await aot.programs['adamw.step'].run({ 'p:w': [1, 2], nope: 1 });
    assert.equal(ran._tag, 'Left');
    const problems = (ran.left as Error & { problems: string[] }).problems;
    assert.ok(problems.some((p) => p.startsWith("input 'p:w'")) && problems.some((p) => p.startsWith("input 'nope'")), problems.join('\n'));
  });
});

describe('graft compile --target all: the loader picks per host', () => {
  test('here (SIMD128, shared memory) it runs wasm; told to, it runs gpujs, with the gpujs module\'s bits', async () => {
    const module = await importModule(dir, 'all.mjs', all.code);
    const onWasm = await module.load({ threads: 1 });
    const onGpujs = await module.load({ backend: 'gpujs' });
    try {
      assert.equal(onWasm.host.backend, 'wasm');
      assert.equal(onGpujs.host.backend, 'gpujs');
      const wasmRt = await createRuntime({ backend: 'wasm', threads: 1 });
      try {
        await stepBothWays(onWasm, wasmRt, 'train', right(entry.train), mnistBatch(700), 1);
      } finally {
        wasmRt.destroy();
      }
      await stepBothWays(onGpujs, cpu, 'train', right(entry.train), mnistBatch(700), 1);
    } finally {
      onWasm.destroy();
      onGpujs.destroy();
    }
  });

  test('without shared memory it falls back to gpujs and says why wasm went unused; a wasm-only module is refused naming what is missing', async () => {
    const module = await importModule(dir, 'all-2.mjs', all.code);
    const wasmOnly = await importModule(dir, 'wasm.mjs', (await compiled(['wasm'])).code);
    await withoutSharedMemory(async () => {
      const l = await module.load({ threads: 2 });
      try {
        assert.equal(l.host.backend, 'gpujs');
        assert.equal(l.host.threads, 1);
        assert.match(l.host.wasmUnused ?? '', /^shared WebAssembly memory is not available/);
        await stepBothWays(l, cpu, 'adamw', right(entry.adamw), (s) => ({ 'g:w': values(1000, 50 + s), 'g:b': values(37, 60 + s) }), 1);
      } finally {
        l.destroy();
      }
      await assert.rejects(wasmOnly.load(), (e: Error & { problems?: string[] }) => e.name === 'AotLoadError' && /^shared WebAssembly memory is not available/.test(e.problems?.[0] ?? ''));
    });
  });

  test('a host that does not compile JavaScript at run time (a Content-Security-Policy without unsafe-eval) is refused for gpujs, saying why', async () => {
    const module = await importModule(dir, 'gpujs-csp.mjs', gpujs.code);
    const saved = globalThis.Function;
    // what a page's CSP does to the Function constructor
    globalThis.Function = function () {
      throw new EvalError("Refused to evaluate a string as JavaScript because 'unsafe-eval' is not allowed");
    } as unknown as FunctionConstructor;
    try {
      await assert.rejects(module.load(), (e: Error & { problems?: string[] }) =>
        e.name === 'AotLoadError' && e.problems?.length === 1 && /^this host does not compile JavaScript at run time \(Refused .*'unsafe-eval' in its Content-Security-Policy/.test(e.problems[0]));
    } finally {
      globalThis.Function = saved;
    }
  });

  test('a target the module does not hold is refused, naming what it holds', async () => {
    const module = await importModule(dir, 'gpujs-2.mjs', gpujs.code);
    await assert.rejects(module.load({ backend: 'wasm' }), (e: Error & { problems?: string[] }) =>
      e.name === 'AotLoadError' && e.problems?.[0] === "backend 'wasm': the module holds gpujs only (compile it with --target wasm or all)");
  });
});
