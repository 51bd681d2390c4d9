// Loading an ahead-of-time module checks the host first and names every problem at once: a format
// from another graft, an engine without SIMD128 (a probe that does not validate), a kernel that
// does not validate, WebGPU without an adapter (wasm runs, saying why; asked for, it is refused).
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { compileModule } from '../../../src/cli/aot/compile-module.js';
import type { AotData } from '../../../src/runtime/aot/format.js';
import { AotLoadError, loadAot } from '../../../src/runtime/aot/load.js';
import * as g from '../../../src/index.js';

let data: AotData;
before(async () => {
  const double = g.program({ x: [1000] }, ({ x }) => ({ y: g.add(x, x) }));
  const compiled = await compileModule({ double }, ['wasm'], 'node', 'test');
  if (compiled.problems) assert.fail(compiled.problems.join('\n'));
  data = compiled.module.data;
});

const loadError = async (d: AotData): Promise<AotLoadError> => {
  try {
    (await loadAot(d, { pool: () => undefined })).destroy();
  } catch (e) {
    assert.ok(e instanceof AotLoadError, String(e));
    return e;
  }
  return assert.fail('it loaded');
};

test('the module as written loads and runs here', async () => {
  const l = await loadAot(data, { pool: () => undefined });
  const out = await l.programs.double.run({ x: Array.from({ length: 1000 }, (_, i) => i) });
  l.destroy();
  assert.equal(out._tag, 'Right');
  assert.equal(out._tag === 'Right' && out.right.y[999], 1998);
});

test('a module of another format is refused, saying which and what to do', async () => {
  assert.deepEqual((await loadError({ ...data, format: 99 })).problems, ['module format 99, but this runtime reads format 3: compile it again with this graft']);
});

test('an engine without SIMD128 and a kernel that does not validate are both named', async () => {
  // a module header with a bad version: no engine validates it
  const invalid = btoa(String.fromCharCode(0, 0x61, 0x73, 0x6d, 9, 0, 0, 0));
  const double = data.programs.double;
  const e = await loadError({ ...data, probes: { ...data.probes, simd: invalid }, programs: { double: { ...double, wasm: [{ ...double.wasm![0], bytes: invalid }] } } });
  assert.deepEqual(e.problems, ['this WebAssembly engine does not support SIMD128']);
  const k = await loadError({ ...data, programs: { double: { ...double, wasm: [{ ...double.wasm![0], bytes: invalid }] } } });
  assert.deepEqual(k.problems, [`program 'double': kernel ${double.wasm![0].name} does not validate on this engine`]);
  assert.match(k.message, /^graft module cannot load here:\n {2}program 'double'/);
});

test('WebGPU without an adapter: a module with WGSL runs wasm and says why; asked for webgpu, it is refused naming it', async () => {
  const double = g.program({ x: [1000] }, ({ x }) => ({ y: g.add(x, x) }));
  const compiled = await compileModule({ double }, ['wasm', 'webgpu'], 'node', 'test');
  if (compiled.problems) assert.fail(compiled.problems.join('\n'));
  // what navigator.gpu does on a machine whose browser has WebGPU but no adapter
  const gpu = { requestAdapter: async () => null } as unknown as GPU;
  const l = await loadAot(compiled.module.data, { pool: () => undefined, gpu });
  try {
    assert.equal(l.host.backend, 'wasm');
    assert.equal(l.host.webgpuUnused, 'no WebGPU adapter');
  } finally {
    l.destroy();
  }
  try {
    await loadAot(compiled.module.data, { pool: () => undefined, gpu, backend: 'webgpu' });
    assert.fail('it loaded');
  } catch (e) {
    assert.ok(e instanceof AotLoadError, String(e));
    assert.deepEqual(e.problems, ['WebGPU: no WebGPU adapter']);
  }
  await assert.rejects(loadAot(compiled.module.data, { pool: () => undefined, backend: 'webgpu' }), (e: AotLoadError) => e.problems[0] === "backend 'webgpu': no WebGPU entry point was given (option gpu)");
});
