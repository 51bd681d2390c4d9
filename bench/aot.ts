// Ahead-of-time modules, measured side by side: compiling the BERT training step (plans, wasm
// rendering, bundling), the module's size per target and what it holds, and start-up in a fresh
// process: import the AOT module and load it, against importing graft and compiling at start.
//   npx tsx bench/aot.ts
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as E from 'fp-ts/lib/Either.js';
import { compile } from '../src/compiler/index.js';
import type { Plan } from '../src/compiler/index.js';
import { compileModule } from '../src/cli/aot/compile-module.js';
import { renderModules } from '../src/compiler/wasm/modules.js';
import * as bert from '../examples/aot/bert-step.js';

const ms = (t0: number) => Math.round(performance.now() - t0);
const programs = E.getOrElseW((e: Error) => { throw e; })(bert.train);

let t = performance.now();
const plans: Plan[] = [programs.init!, programs.step].map(compile);
const planMs = ms(t);
t = performance.now();
// compile leaves the modules to their first read; this renders them to time the renderer alone
const bytes = plans.flatMap((p) => renderModules(p.kernelIR!).modules).reduce((n, m) => n + atob(m.bytes).length, 0);
const renderMs = ms(t);
t = performance.now();
const compiled = await compileModule(bert, ['wasm'], 'node', 'bench');
const moduleMs = ms(t);
if (compiled.problems) throw new Error(compiled.problems.join('\n'));
const { module } = compiled;
// the same programs per target: --target wasm (above), webgpu (wasm + WGSL), gpujs, all
const sizes: Record<string, { bytes: number; gzipBytes: number; kernels: unknown }> = {};
for (const [name, targets] of [['wasm', ['wasm']], ['webgpu', ['wasm', 'webgpu']], ['gpujs', ['gpujs']], ['all', ['wasm', 'gpujs', 'webgpu']]] as const) {
  const m = name === 'wasm' ? compiled : await compileModule(bert, [...targets], 'node', 'bench');
  if (m.problems) throw new Error(m.problems.join('\n'));
  sizes[name] = { bytes: m.module.code.length, gzipBytes: gzipSync(m.module.code).length, kernels: m.module.kernels };
}
const json = (v: unknown) => JSON.stringify(v).length;
// the kernel IR an AOT module no longer holds (its modules carry the dispatcher's facts)
const ir = plans.reduce((n, p) => n + json(p.kernelIR), 0);
const wasmB64 = Object.values(module.data.programs).reduce((n, p) => n + json(p.wasm), 0);

const dir = mkdtempSync(join(tmpdir(), 'graft-aot-bench-'));
writeFileSync(join(dir, 'bert.mjs'), module.code);
const ROOT = resolve('.');
// each child prints when it is ready to run the step, in ms since its process started
const aotChild = `const m = await import(${JSON.stringify(join(dir, 'bert.mjs'))}); const l = await m.load({ threads: 1 }); l.programs['train.init'].loop({ steps: 1, carry: {} }); l.programs['train.step'].loop({ steps: 1, carry: {} }); console.log(Math.round(performance.now())); l.destroy();`;
const jitChild = `import * as E from 'fp-ts/lib/Either.js'; const g = await import(${JSON.stringify(join(ROOT, 'src/index.ts'))}); const b = await import(${JSON.stringify(join(ROOT, 'examples/aot/bert-step.ts'))});
const p = E.getOrElseW((e) => { throw e; })(b.train); const rt = await g.createRuntime({ backend: 'wasm', threads: 1 }); rt.load(g.compile(p.init)); rt.load(g.compile(p.step)); console.log(Math.round(performance.now())); rt.destroy();`;
writeFileSync(join(ROOT, 'bench/.aot-jit-child.mts'), jitChild);
const runs = 3;
const aotStart: number[] = [];
const jitStart: number[] = [];
try {
  for (let r = 0; r < runs; r++) {
    aotStart.push(Number(execFileSync(process.execPath, ['--input-type=module', '-e', aotChild], { encoding: 'utf8' }).trim()));
    jitStart.push(Number(execFileSync(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/.aot-jit-child.mts')], { encoding: 'utf8', cwd: ROOT }).trim().split('\n').pop()));
  }
} finally {
  rmSync(join(ROOT, 'bench/.aot-jit-child.mts'), { force: true });
  rmSync(dir, { recursive: true, force: true });
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(JSON.stringify({
  bench: 'aot-bert-train-step',
  config: bert.config,
  batch: bert.BATCH,
  seq: bert.SEQ,
  kernels: module.kernels,
  compileMs: { plans: planMs, renderWasm: renderMs, graftCompileTotal: moduleMs },
  moduleBytes: module.code.length,
  perTarget: sizes,
  holds: { wasmBytes: bytes, wasmBase64Json: wasmB64, kernelIRJsonLeftOut: ir, runtimeJs: module.code.length - json(module.data) },
  startupMsSinceProcessStart: { aotImportAndLoad: median(aotStart), jitImportCompileAndLoad: median(jitStart), runs: { aot: aotStart, jit: jitStart } },
}, null, 1));
