// An ahead-of-time module against the JIT path: the same programs and feeds give bit-identical
// outputs (an optimizer step over gradients, and a training step: forward, backward and AdamW),
// and the module's runtime holds no compiler, fp-ts or io-ts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as E from 'fp-ts/lib/Either.js';
import { compile } from '../../../src/compiler/index.js';
import type { Program } from '../../../src/dsl/index.js';
import type { Runtime } from '../../../src/runtime/index.js';
import { createRuntime } from '../../../src/runtime/index.js';
import type { CompiledModule } from '../../../src/cli/aot/compile-module.js';
import { compileModule } from '../../../src/cli/aot/compile-module.js';
import { forbiddenInputs } from '../../../src/cli/aot/bundle.js';
import v8 from 'node:v8';
import { relaxedSimdProbe } from '../../../src/compiler/wasm/probe.js';
import * as entry from '../../../examples/aot/mnist-mlp.js';
import type { LoadedModule, Values } from './both-ways.js';
import { bits, right, stepBothWays, values } from './both-ways.js';

const specsOf = (p: Program) => Object.fromEntries(p.inputs.map((s) => [s.name, s]));

let dir: string;
let module: CompiledModule;
let aot: LoadedModule;
let rt: Runtime;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'graft-aot-'));
  const compiled = await compileModule(entry, ['wasm'], 'node', 'test');
  if (compiled.problems) assert.fail(compiled.problems.join('\n'));
  module = compiled.module;
  writeFileSync(join(dir, 'm.mjs'), module.code);
  aot = await (await import(pathToFileURL(join(dir, 'm.mjs')).href)).load({ threads: 2 });
  rt = await createRuntime({ backend: 'wasm', threads: 2 });
});
after(() => {
  aot?.destroy();
  rt?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

describe('graft compile: the module against the JIT path', () => {
  test('an AdamW step over gradients gives bit-identical parameters and state for 3 steps', async () => {
    const programs = right(entry.adamw);
    const specs = specsOf(programs.step);
    const grads = (s: number): Values => ({ 'g:w': values(specs['g:w'].shape[0], 100 + s), 'g:b': values(specs['g:b'].shape[0], 200 + s) });
    const end = await stepBothWays(aot, rt, 'adamw', programs, grads, 3);
    assert.notDeepEqual(bits(end['p:w']), bits(values(1000, 1, 0.1)), 'the parameters moved');
  });

  test('an MNIST MLP training step (loss, gradients, AdamW) gives bit-identical results for 3 batches', async () => {
    const programs = right(entry.train);
    const batch = (s: number): Values => ({
      'x:x': values(entry.BATCH * entry.FEATURES, 300 + s).map((v) => Math.abs(v)),
      'x:y': Float32Array.from({ length: entry.BATCH }, (_, i) => (i * 7 + s) % 10),
    });
    const end = await stepBothWays(aot, rt, 'train', programs, batch, 3);
    assert.ok(Number.isFinite(end['m:loss'][0]) && end['m:loss'][0] > 0, 'a real loss came out');
  });

  test('a loop of 3 training steps in one call (batches per step, params and state carried, losses collected) matches the JIT loop bit for bit', async () => {
    const programs = right(entry.train);
    const init = programs.init!;
    const params: Values = Object.fromEntries(init.inputs.map((s, k) => [s.name, values(s.shape.reduce((a, b) => a * b, 1), k + 11, 0.1)]));
    const state = { ...params, ...right(await rt.load(compile(init)).run(params)) };
    const carried = programs.step.inputs.map((s) => s.name).filter((n) => n.startsWith('p:') || n.startsWith('s:'));
    const spec = { steps: 3, carry: Object.fromEntries(carried.map((n) => [n, n])), perStep: ['x:x', 'x:y'], collect: ['m:loss'] };
    const feeds = {
      ...Object.fromEntries(carried.map((n) => [n, state[n]])),
      'x:x': [0, 1, 2].map((s) => values(entry.BATCH * entry.FEATURES, 400 + s).map(Math.abs)),
      'x:y': [0, 1, 2].map((s) => Float32Array.from({ length: entry.BATCH }, (_, i) => (i * 3 + s) % 10)),
    };
    const jit = right(await rt.loop(compile(programs.step), spec).run(feeds));
    const ran = await (aot.programs['train.step'] as unknown as { loop(s: typeof spec): LoadedModule['programs'][string] }).loop(spec).run(feeds);
    assert.equal(ran._tag, 'Right', ran.left?.message);
    assert.equal(jit['m:loss'].length, 3);
    for (const k of Object.keys(jit)) assert.deepEqual(bits(ran.right![k]), bits(jit[k]), `output '${k}' differs`);
  });

  test('feeds are checked as the library checks them: every problem at once, before any compute', async () => {
    const ran = await aot.programs['adamw.step'].run({ 'p:w': [1, 2], nope: 1 });
    assert.equal(ran._tag, 'Left');
    const jit = rt.load(compile(right(entry.adamw).step)).run({ 'p:w': [1, 2], nope: 1 });
    const jitLeft = await jit;
    assert.ok(E.isLeft(jitLeft));
    // the module fills in the step's fixed inputs, so it lists only what the caller owes
    const fixed = Object.keys(right(entry.adamw).fixed);
    assert.deepEqual((ran.left as Error & { problems: string[] }).problems, jitLeft.left.problems.filter((p) => !fixed.some((f) => p.startsWith(`input '${f}'`))));
  });
});

describe('graft compile: what the module holds', () => {
  test('its runtime bundles no compiler, optimizer, fp-ts or io-ts file, and does bundle the wasm runtime', () => {
    assert.deepEqual(forbiddenInputs(module.inputs), []);
    assert.ok(module.inputs.includes('src/runtime/aot/load.ts') && module.inputs.includes('src/runtime/wasm/plan-steps.ts'), module.inputs.join(', '));
    // the check itself catches a compiler file, and fp-ts
    assert.deepEqual(forbiddenInputs(['src/compiler/wasm/render.ts', 'node_modules/fp-ts/lib/Either.js', 'src/runtime/aot/load.ts']), ['src/compiler/wasm/render.ts', 'node_modules/fp-ts/lib/Either.js']);
  });

  test('it imports nothing but Node built-ins', () => {
    const imports = [...module.code.matchAll(/^\s*import\s[^;]*?from\s*"([^"]+)"/gm)].map((m) => m[1]);
    assert.ok(imports.length > 0);
    assert.deepEqual(imports.filter((s) => !s.startsWith('node:')), []);
  });

  test('it holds each plan\'s own stored wasm modules (no second format, no kernel IR), and needs no relaxed-simd', () => {
    const programs = right(entry.train);
    for (const [name, program] of [['train.init', programs.init!], ['train.step', programs.step]] as const) {
      const plan = compile(program);
      const held = module.data.programs[name];
      assert.deepEqual(held.wasm, plan.wasm!.modules, `${name}: the modules are the plan's`);
      assert.equal((held.plan as { kernelIR?: unknown }).kernelIR, undefined, `${name}: no kernel IR`);
    }
    assert.equal(module.data.usesRelaxedSimd, false);
  });
});

describe('graft compile --fma', () => {
  test('on an engine without relaxed-simd it is refused, saying why, before compiling anything', async (t) => {
    if (WebAssembly.validate(relaxedSimdProbe())) return t.skip('this engine has relaxed-simd');
    const compiled = await compileModule(entry, ['wasm'], 'node', 'test', true);
    assert.deepEqual(compiled.problems, ['--fma: this WebAssembly engine has no relaxed-simd, so FMA kernels cannot be rendered and checked here (Node 22 or later, or node --experimental-wasm-relaxed-simd)']);
  });

  test('renders tiled matmuls with relaxed-simd FMA, says the module needs relaxed-simd, and matches the JIT path with fma bit for bit', async (t) => {
    // Node 20 ships relaxed-simd behind a flag (set after the test above saw it off); newer engines have it on
    v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
    if (!WebAssembly.validate(relaxedSimdProbe())) return t.skip('this engine has no relaxed-simd');
    const compiled = await compileModule(entry, ['wasm'], 'node', 'test', true);
    if (compiled.problems) assert.fail(compiled.problems.join('\n'));
    const tiled = compiled.module.data.programs['train.step'].wasm!.filter((m) => m.schedule.startsWith('tiled'));
    assert.ok(tiled.length > 0 && tiled.every((m) => m.relaxedSimd && m.schedule.endsWith(' fma')), tiled.map((m) => m.schedule).join(', '));
    assert.equal(compiled.module.data.usesRelaxedSimd, true);
    const fmaRt = await createRuntime({ backend: 'wasm', threads: 1, fma: true });
    try {
      writeFileSync(join(dir, 'fma.mjs'), compiled.module.code);
      const fmaAot: LoadedModule = await (await import(pathToFileURL(join(dir, 'fma.mjs')).href)).load({ threads: 1 });
      try {
        const programs = right(entry.train);
        const init = programs.init!;
        const params: Values = Object.fromEntries(init.inputs.map((s, k) => [s.name, values(s.shape.reduce((a, b) => a * b, 1), k + 21, 0.1)]));
        const state = { ...params, ...right(await fmaRt.load(compile(init)).run(params)) };
        const feeds: Values = { ...state, 'x:x': values(entry.BATCH * entry.FEATURES, 500).map(Math.abs), 'x:y': Float32Array.from({ length: entry.BATCH }, (_, i) => i % 10) };
        const stepFeeds = Object.fromEntries(programs.step.inputs.map((s) => [s.name, feeds[s.name] ?? programs.fixed[s.name]?.values]));
        const jit = right(await fmaRt.load(compile(programs.step)).run(stepFeeds));
        const ran = await fmaAot.programs['train.step'].run(stepFeeds);
        assert.equal(ran._tag, 'Right', ran.left?.message);
        for (const k of Object.keys(jit)) assert.deepEqual(bits(ran.right![k]), bits(jit[k]), `output '${k}' differs`);
      } finally {
        fmaAot.destroy();
      }
    } finally {
      fmaRt.destroy();
    }
  });
});
