// Tree reductions in WGSL without a device: which kernels get them, the workgroup size per row
// length, one workgroup per output on a 2-D grid, and the shader's shape (running them:
// test/runtime/webgpu/reduce.test.ts).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as g from '../../../src/dsl/index.js';
import * as nn from '../../../src/nn/index.js';
import { compile } from '../../../src/compiler/index.js';
import type { Kernel } from '../../../src/compiler/kernel-ir/types.js';
import { reductionWorkgroup, renderWgsl } from '../../../src/compiler/wgsl/index.js';
import { right } from '../../nn/harness.js';

const kernels = (decl: Record<string, g.InputDecl>, f: (i: Record<string, g.Tensor>) => Record<string, g.Tensor>): readonly Kernel[] => compile(right(g.program(decl, f))).kernelIR!;

describe('WGSL tree reductions', () => {
  it('workgroup sizes: the largest power of two in [32, 256] that leaves every invocation 128 terms or more', () => {
    const hand: [number, number][] = [[64, 32], [1024, 32], [8191, 32], [8192, 64], [16383, 64], [16384, 128], [32767, 128], [32768, 256], [1e6, 256]];
    for (const [length, w] of hand) assert.equal(reductionWorkgroup(length), w, `rows of ${length}`);
  });

  it('a row sum: one workgroup per row, strided slices, a barrier-separated tree, invocation 0 stores', () => {
    const [k] = kernels({ x: [5, 300] }, ({ x }) => ({ s: g.sum(x, { axes: 1 }) }));
    const r = renderWgsl(k);
    assert.equal(r.treeWorkgroup, 32);
    assert.deepEqual(r.dispatch, { x: 5, y: 1 });
    const src = r.source;
    assert.match(src, /var<workgroup> partial\d+: array<f32, 32>;/);
    assert.match(src, /@workgroup_size\(32\)/);
    assert.match(src, /for \(var j\d+: i32 = 0 \+ i32\(lid\); j\d+ < 300; j\d+ \+= 32\)/);
    assert.match(src, /for \(var half = 16u; half > 0u; half = half >> 1u\) \{\n    if \(lid < half\) \{ partial(\d+)\[lid\] = partial\1\[lid\] \+ partial\1\[lid \+ half\]; \}\n    workgroupBarrier\(\);\n  \}/);
    // the only store, once per row
    assert.match(src, /if \(lid == 0u\) \{\n    b\d+\[index\] = v\d+;\n  \}\n\}/);
    assert.equal(src.match(/\[index\] =/g)?.length, 1);
    // the whole workgroup leaves together before any barrier when the grid overshoots
    assert.match(src, /let index = wg\.y \* 5u \+ wg\.x;\n  if \(index >= 5u\) \{ return; \}/);
  });

  it('outputs over the grid limit fold into a 2-D grid; past its square, per element', () => {
    const [k] = kernels({ x: [5, 300] }, ({ x }) => ({ s: g.sum(x, { axes: 1 }) }));
    const r = renderWgsl(k, { maxWorkgroupsPerDimension: 3 });
    assert.deepEqual(r.dispatch, { x: 3, y: 2 });
    assert.match(r.source, /let index = wg\.y \* 3u \+ wg\.x;/);
    assert.equal(renderWgsl(k, { maxWorkgroupsPerDimension: 2 }).treeWorkgroup, undefined);
  });

  it('a sum and a max of the same rows (one kernel): two trees, one workgroup memory array each; the max starts every slice at its init', () => {
    const ks = kernels({ x: [7, 200] }, ({ x }) => ({ s: g.sum(x, { axes: 1 }), m: g.max(x, { axes: 1 }) }));
    assert.equal(ks.length, 1);
    const src = renderWgsl(ks[0]).source;
    assert.equal(src.match(/var<workgroup> partial\d+/g)?.length, 2);
    assert.match(src, /var (v\d+)_slice: f32 = (v\d+);[^]*let \1: f32 = max\(\2, partial\d+\[0\]\);/);
    assert.match(src, /var (v\d+)_slice: f32 = 0\.0;[^]*let \1: f32 = v\d+ \+ partial\d+\[0\];/);
  });

  it('softmax and layer norm rows get trees; short rows, columns and treeReduce: false stay per element', () => {
    const soft = kernels({ x: [4, 128] }, ({ x }) => ({ y: nn.softmax(x, -1) }));
    // the row's max and its denominator: two trees (one kernel since a row's reductions are lowered together)
    const trees = soft.filter((k) => renderWgsl(k).treeWorkgroup).map((k) => renderWgsl(k).source.match(/var<workgroup> partial\d+/g)?.length ?? 0);
    assert.ok(trees.reduce((a, b) => a + b, 0) >= 2, `max and denominator: trees per kernel ${JSON.stringify(trees)}`);
    const norm = kernels({ x: [4, 128], w: [128], b: [128] }, ({ x, w, b }) => ({ y: nn.layerNormForward(x, w, b) }));
    assert.ok(norm.some((k) => renderWgsl(k).treeWorkgroup), 'layer norm moments');
    for (const k of [...soft, ...norm]) assert.equal(renderWgsl(k, { treeReduce: false }).treeWorkgroup, undefined, k.name);
    const [short] = kernels({ x: [4, 63] }, ({ x }) => ({ s: g.sum(x, { axes: 1 }) }));
    assert.equal(renderWgsl(short).treeWorkgroup, undefined);
    const [column] = kernels({ x: [300, 5] }, ({ x }) => ({ s: g.sum(x, { axes: 0 }) }));
    assert.equal(renderWgsl(column).treeWorkgroup, undefined);
  });
});
