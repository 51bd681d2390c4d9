// The WGSL renderer without a device: the workgroup grid covers every index space once (past
// WebGPU's 65535-per-dimension limit), constants keep their exact bits, packing keeps a kernel
// within a device's bindings, and renderer bugs name the kernel. (Running the shaders: test/runtime/webgpu.)
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as E from 'fp-ts/lib/Either.js';
import * as g from '../../../src/dsl/index.js';
import { compile } from '../../../src/compiler/index.js';
import type { Kernel } from '../../../src/compiler/kernel-ir/index.js';
import { PACK, WgslRenderError, dispatchFor, packingFor, renderWgsl, splitByBindings } from '../../../src/compiler/wgsl/index.js';
import { flatIndex } from '../../../src/compiler/wgsl/grid.js';
import { literal } from '../../../src/compiler/wgsl/literal.js';

const right = <A>(e: E.Either<unknown, A>): A => {
  if (E.isLeft(e)) throw e.left;
  return e.right;
};

describe('WGSL workgroup grid', () => {
  it('every element index of [0, size) is computed by exactly one thread, for grids folded into 2-D', () => {
    const max = 5; // a tiny per-dimension limit, so folding happens at small sizes
    for (let size = 0; size <= 64 * max * max; size += size < 700 ? 1 : 37) {
      const d = dispatchFor(size, max);
      assert.ok(d.x <= max && d.y <= max);
      // the shader's own index expression, evaluated for every thread of the dispatch
      const text = /let index = (.*);/.exec(flatIndex(d.x, size))![1].replace(/(\d+)u/g, '$1');
      const guard = Number(/index >= (\d+)u/.exec(flatIndex(d.x, size))![1]);
      const index = new Function('wg', 'lid', `return ${text};`) as (wg: { x: number; y: number }, lid: { x: number }) => number;
      const seen = new Uint8Array(size);
      for (let y = 0; y < d.y; y++) for (let x = 0; x < d.x; x++) for (let l = 0; l < 64; l++) {
        const i = index({ x, y }, { x: l });
        if (i < guard) seen[i]++;
      }
      assert.equal(guard, size);
      assert.ok(seen.every((c) => c === 1), `size ${size}: every index once`);
    }
  });

  it('WebGPU\'s real limit: 65535 workgroups a row, more rows past it, and a clear error past 65535²', () => {
    assert.deepEqual(dispatchFor(65535 * 64), { x: 65535, y: 1 });
    assert.deepEqual(dispatchFor(65535 * 64 + 1), { x: 65535, y: 2 });
    assert.throws(() => dispatchFor(65535 * 65535 * 64 + 1), /needs 4294836226 workgroups, over 65535²/);
  });
});

describe('WGSL constants', () => {
  it('integers by their 32 bits; floats exactly, non-finite ones through a call (WGSL refuses them as constants)', () => {
    assert.equal(literal('i32', -2147483648), 'bitcast<i32>(2147483648u)');
    assert.equal(literal('i32', -1), 'bitcast<i32>(4294967295u)');
    assert.equal(literal('u32', 0x846ca68b), '2221713035u');
    assert.equal(literal('f32', 3), '3.0');
    assert.equal(literal('f32', 0.1), 'bitcast<f32>(1036831949u)'); // 0x3dcccccd
    assert.equal(literal('f32', -0), 'bitcast<f32>(2147483648u)');
    assert.equal(literal('f32', Infinity), 'graft_f32(2139095040u)');
    assert.equal(literal('bool', 1), 'true');
  });
});

describe('WGSL bindings', () => {

  it('a kernel reading more buffers than the device binds packs its smallest read-only buffers, end to end', () => {
    const prog = right(g.program(Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`x${i}`, [10 - i]])), (xs) => ({ y: Object.values(xs).map((b) => g.slice(b, [0], [2])).reduce((a, b) => g.add(a, b)) })));
    const plan = compile(prog);
    const k = plan.kernelIR!.find((x) => x.params.length === 10)!;
    const sizeOf = (b: number) => plan.buffers[b].size;
    const pack = packingFor(k, 4, sizeOf)!;
    // 10 buffers on 4 bindings: the output, 2 inputs, and the pack holding the 7 smallest inputs
    assert.equal(pack.buffers.length, 7);
    const inputs = k.params.filter((b) => b !== k.stores[0].buffer);
    assert.deepEqual([...pack.buffers].sort((a, b) => a - b), [...inputs].sort((a, b) => sizeOf(a) - sizeOf(b)).slice(0, 7).sort((a, b) => a - b));
    assert.deepEqual(pack.offsets, pack.buffers.map((_, i) => pack.buffers.slice(0, i).reduce((s, b) => s + sizeOf(b), 0)));
    const r = renderWgsl(k, { maxBindings: 4, sizeOf });
    assert.equal(r.bindings.length, 4);
    assert.equal(r.bindings[3], PACK);
    assert.equal(packingFor(k, 10, sizeOf), undefined, 'no pack when the kernel fits');
    assert.throws(() => packingFor({ ...k, stores: [...k.stores, ...inputs.map((b) => ({ buffer: b, value: k.stores[0].value }))] }, 4, sizeOf), /writes \d+ buffers, too many for the 4 storage buffers/);
  });

  it('a kernel with many outputs splits by its stores into kernels that each bind fewer buffers', () => {
    const prog = right(g.program({ a: [50], b: [50], c: [50], d: [50] }, ({ a, b, c, d }) => ({ p: g.add(a, b), q: g.mul(c, d), r: g.sub(a, d), s: g.add(b, c) })));
    const k = compile(prog).kernelIR!.find((x) => x.stores.length === 4)!;
    const parts = splitByBindings(k, 5);
    assert.ok(parts.length > 1);
    assert.ok(parts.every((p) => p.params.length <= 5));
    assert.deepEqual(parts.flatMap((p) => p.stores.map((s) => s.buffer)), k.stores.map((s) => s.buffer), 'every store once, in order');
  });
});

describe('WGSL renderer errors', () => {
  it('a store of a non-f32 value is an error naming the kernel', () => {
    const bad: Kernel = { name: 'k9_bad', size: 4, params: [0], nodes: [{ id: 0, op: 'index', type: 'i32' }], stores: [{ buffer: 0, value: 0 }], fused: ['copy'] };
    assert.throws(() => renderWgsl(bad), (e: unknown) => e instanceof WgslRenderError && /kernel k9_bad: store of a i32 value/.test(e.message));
  });
});
