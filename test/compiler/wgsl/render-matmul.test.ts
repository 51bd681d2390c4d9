// The workgroup-tiled WGSL matmul without a device: a 3-D grid over batch entries, workgroup
// memory, and per element when asked or when the grid exceeds the device's. (Running it: test/runtime/webgpu/matmul.test.ts.)
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as g from '../../../src/dsl/index.js';
import { compile } from '../../../src/compiler/index.js';
import { renderWgsl, splitByBindings } from '../../../src/compiler/wgsl/index.js';
import { right } from '../../nn/harness.js';

describe('WGSL tiled matmul', () => {
  it('renders workgroup memory and a 3-D grid over the batch; per element when asked', () => {
    const plan = compile(right(g.program({ a: [3, 40, 20], b: [3, 20, 50] }, ({ a, b }) => ({ y: g.matmul(a, b) }))));
    const k = plan.kernelIR!.find((x) => x.tiling)!;
    const r = renderWgsl(k);
    assert.equal(r.tiled, true);
    assert.deepEqual(r.dispatch, { x: 2, y: 2, z: 3 });
    assert.match(r.source, /var<workgroup> tile_a/);
    assert.equal(renderWgsl(k, { tiledMatmul: false }).tiled, undefined);
    // a grid over the device's limit (20 batch entries, 4 workgroups a dimension) falls back to one invocation per element
    const many = compile(right(g.program({ a: [20, 2, 20], b: [20, 20, 2] }, ({ a, b }) => ({ y: g.matmul(a, b) })))).kernelIR!.find((x) => x.tiling)!;
    assert.equal(renderWgsl(many).tiled, true);
    assert.equal(renderWgsl(many, { maxWorkgroupsPerDimension: 4 }).tiled, undefined);
  });

  it('a kernel split by bindings keeps its tiling in every part (each still computes the product)', () => {
    const plan = compile(right(g.program({ a: [40, 20], b: [20, 50], c: [40, 50], d: [40, 50] }, ({ a, b, c, d }) => {
      const p = g.matmul(a, b);
      return { y: g.add(p, c), z: g.mul(p, d), w: g.sub(p, c) };
    })));
    const k = plan.kernelIR!.find((x) => x.tiling && x.stores.length === 3)!;
    assert.ok(k, 'one tiled kernel stores all three');
    const parts = splitByBindings(k, 4);
    assert.ok(parts.length > 1);
    for (const part of parts) assert.equal(renderWgsl(part).tiled, true, part.name);
  });
});
