// Tensors past 2^24 elements on the webgpu backend (SwiftShader where there is no GPU: it binds 1 GiB,
// 2^28 elements), the cases and references of large-tensor-cases.ts (the heavy ones on hardware
// adapters only); and the load-time refusal of a tensor past the adapter's binding size, naming it.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import * as g from '../../../src/dsl/index.js';
import { compile } from '../../../src/compiler/index.js';
import type { WebGPURuntime } from '../../../src/runtime/index.js';
import { BufferTooLargeError, createRuntime } from '../../../src/runtime/index.js';
import { LARGE_CASES, right } from '../large-tensor-cases.js';
import { webgpuSuite } from './adapter.js';

webgpuSuite('tensors past 2^24 elements on webgpu', () => {
  let rt: WebGPURuntime;
  before(async () => {
    rt = (await createRuntime({ backend: 'webgpu' })) as WebGPURuntime;
  });
  after(() => rt.destroy());

  for (const c of LARGE_CASES) {
    it(c.name, async (t) => {
      if (c.heavy && rt.report.adapter?.includes('software')) return t.skip(`minutes on ${rt.report.adapter}: run on a hardware adapter`);
      const { plan, feeds, check } = c.make();
      const ex = rt.load(plan);
      try {
        check(right(await ex.run(feeds)), 'webgpu');
      } finally {
        ex.destroy();
      }
    });
  }

  it('a tensor past the adapter\'s binding size is refused when the plan loads, by name', () => {
    const max = Math.min(rt.context.limits.maxStorageBufferBindingSize, rt.context.limits.maxBufferSize) / 4;
    const plan = compile(right(g.program({ x: [max + 1] }, ({ x }) => ({ y: g.neg(x) }))));
    assert.throws(() => rt.load(plan), (e: unknown) => e instanceof BufferTooLargeError && e.message.includes(`input 'x' (f32[${max + 1}]) needs ${(max + 1) * 4} bytes, over the ${max * 4} bytes one storage buffer may bind`));
  });
});
