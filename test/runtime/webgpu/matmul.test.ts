// Workgroup-tiled WGSL matmuls on webgpu (SwiftShader where there is no GPU): the same bits as the
// per-element WGSL path, wasm and the f32 interpreter (a device that contracts mul+add into FMA
// would differ; SwiftShader does not), float64 within tolerance, for tails in every dimension,
// transposed operands, batches and fused prologues and epilogues.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import * as g from '../../../src/dsl/index.js';
import { compile } from '../../../src/compiler/index.js';
import { firstBitDifference } from '../../../props/index.js';
import type { Runtime } from '../../../src/runtime/index.js';
import { createRuntime } from '../../../src/runtime/index.js';
import { right } from '../../nn/harness.js';
import { cases, feedsFor } from '../../compiler/matmul-cases.js';
import { webgpuSuite } from './adapter.js';

webgpuSuite('webgpu tiled matmul', () => {
  let tiled: Runtime;
  let plain: Runtime;
  let wasm: Runtime;
  before(async () => {
    tiled = await createRuntime({ backend: 'webgpu' });
    plain = await createRuntime({ backend: 'webgpu', tiledMatmul: false });
    wasm = await createRuntime({ backend: 'wasm', threads: 1, fma: false });
  });
  after(() => [tiled, plain, wasm].forEach((rt) => rt.destroy()));

  // tails against the 32×32 tile and the 16-step k chunk, a product of one, and more than one chunk
  const shapes: [number, number, number][] = [[1, 1, 1], [3, 5, 7], [33, 17, 40], [70, 40, 9]];
  for (const [m, k, n] of shapes) {
    it(`equals the per-element path, wasm and the f32 interpreter; float64 within k·1e-6, ${m}x${k}x${n}`, async () => {
      for (const [ci, cs] of cases(m, k, n).entries()) {
        const prog = right(cs.program);
        const plan = compile(prog);
        const feeds = feedsFor(cs.shapes, 100 * ci + m);
        const exe = tiled.load(plan);
        const y = right(await exe.run(feeds)).y;
        // k = 1 folds the inner index away: nothing to tile
        if (k > 1) assert.ok((exe.info()?.tiledKernels ?? 0) >= 1, `${cs.label}: a tiled kernel ran`);
        const others: [string, ArrayLike<number>][] = [
          ['per-element webgpu', right(await plain.load(plan).run(feeds)).y],
          ['wasm', right(await wasm.load(plan).run(feeds)).y],
          ['the f32 interpreter', right(g.interpret(prog, feeds, 'f32')).y],
        ];
        for (const [what, want] of others) {
          const d = firstBitDifference(y, want);
          assert.equal(d, undefined, `${cs.label}: tiled vs ${what} at ${d?.index}: ${d?.got} vs ${d?.want}`);
        }
        const f64 = right(g.interpret(prog, feeds, 'f64')).y;
        const scale = Math.max(1, ...Array.from(f64, Math.abs));
        const worst = Math.max(0, ...Array.from(y, (v, i) => Math.abs(v - f64[i])));
        assert.ok(worst <= 1e-6 * k * scale, `${cs.label}: off float64 by ${worst}`);
      }
    });
  }
});
