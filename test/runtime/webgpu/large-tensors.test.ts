// Tensors past 2^24 elements on the webgpu backend (SwiftShader where there is no GPU: it binds 1 GiB,
// 2^28 elements), the cases and references of large-tensor-cases.ts (on a software adapter their light
// form: the same tensors, shorter inner loops). The refusal past the binding size: runtime.test.ts.
import { after, before, it } from 'node:test';
import type { WebGPURuntime } from '../../../src/runtime/index.js';
import { createRuntime } from '../../../src/runtime/index.js';
import { LARGE_CASES, right } from '../large-tensor-cases.js';
import { webgpuSuite } from './adapter.js';

webgpuSuite('tensors past 2^24 elements on webgpu', () => {
  let rt: WebGPURuntime;
  before(async () => {
    rt = (await createRuntime({ backend: 'webgpu' })) as WebGPURuntime;
  });
  after(() => rt.destroy());

  for (const c of LARGE_CASES) {
    it(c.name, async () => {
      const { plan, feeds, check } = c.make(rt.report.adapter?.includes('software'));
      const ex = rt.load(plan);
      try {
        check(right(await ex.run(feeds)), 'webgpu');
      } finally {
        ex.destroy();
      }
    });
  }
});
