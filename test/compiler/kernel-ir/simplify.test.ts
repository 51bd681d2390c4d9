// Exact rewrites that move work out of the element loop: a Bernoulli mask divided by a uniform
// value becomes a select of two quotients computed once (same bits for every divisor, signed
// zeros, infinities and NaN included), and a u32 shifted right converts to f32 as signed.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KernelBuilder } from '../../../src/compiler/kernel-ir/builder.js';
import { finishKernel } from '../../../src/compiler/kernel-ir/finish.js';
import { simplifyKernel } from '../../../src/compiler/kernel-ir/simplify.js';
import type { Kernel } from '../../../src/compiler/kernel-ir/types.js';
import { renderWasm } from '../../../src/compiler/wasm/render.js';
import { WasmHeap } from '../../../src/runtime/wasm/heap.js';
import { instantiate } from '../../../src/runtime/wasm/instance.js';

const N = 37; // four-lane groups and a scalar tail

/** Runs a kernel of f32 buffers (params in order) and returns the bits of the last one. */
const runBits = (k: Kernel, inputs: readonly Float32Array[]): Uint32Array => {
  const heap = new WasmHeap(64, 1);
  const addrs = k.params.map((p) => heap.alloc(N * 4, `buffer ${p}`));
  inputs.forEach((x, i) => heap.f32(addrs[i], x.length).set(x));
  instantiate(renderWasm(k, { maxPages: 64 }), heap.memory).run(addrs, 0, N);
  return new Uint32Array(heap.memory.buffer, addrs[addrs.length - 1], N).slice();
};
const bitsOf = (xs: readonly number[]) => new Uint32Array(Float32Array.from(xs).buffer);

describe('kernel IR rewrites', () => {
  it('a mask cast to f32 and divided by a uniform value: same bits as the division, no division per element', () => {
    const b = new KernelBuilder();
    const u = b.load(0, b.index);
    const c = b.load(1, b.constant('i32', 0));
    const y = b.binary('div', b.cast('f32', b.binary('lt', u, b.constant('f32', 0.3))), c);
    const kernel = finishKernel('mask', N, b.nodes, [{ buffer: 2, value: y }], []);
    const simple = simplifyKernel(kernel);
    // the only divisions left divide constants by c: computed before the loop
    const divs = simple.nodes.filter((n) => n.op === 'binary' && n.fn === 'div');
    assert.equal(divs.length, 2);
    for (const d of divs) assert.ok(d.op === 'binary' && simple.nodes.find((n) => n.id === d.a)?.op === 'const' && d.b === c);
    const x = Float32Array.from({ length: N }, (_, i) => (i * 0.37) % 1);
    for (const divisor of [0.3, -0.7, 3, 0, -0, Infinity, -Infinity, NaN, 1e-45]) {
      const want = bitsOf(Array.from(x, (xi) => Math.fround(+(xi < Math.fround(0.3)) / Math.fround(divisor))));
      const cs = new Float32Array(N).fill(divisor);
      assert.deepEqual(runBits(simple, [x, cs]), want, `divisor ${divisor}`);
      assert.deepEqual(runBits(kernel, [x, cs]), want, `divisor ${divisor}, as written`);
    }
  });

  it('a varying divisor, or a numerator that is not a mask, is left alone', () => {
    const b = new KernelBuilder();
    const u = b.load(0, b.index);
    const mask = b.cast('f32', b.binary('lt', u, b.constant('f32', 0.3)));
    const k1 = finishKernel('varying', N, b.nodes, [{ buffer: 1, value: b.binary('div', mask, u) }], []);
    assert.equal(simplifyKernel(k1), k1);
    const b2 = new KernelBuilder();
    const k2 = finishKernel('plain', N, b2.nodes, [{ buffer: 1, value: b2.binary('div', b2.load(0, b2.index), b2.constant('f32', 3)) }], []);
    assert.equal(simplifyKernel(k2), k2);
  });

  it('u32 to f32: values shifted right convert exactly (signed form), unshifted ones with the top bit set too', () => {
    const b = new KernelBuilder();
    const w = b.bitcast('u32', b.load(0, b.index));
    const outs = [1, 8, 31, 32, 0].map((s) => b.cast('f32', b.binary('shr', w, b.constant('u32', s))));
    const kernel = finishKernel('convert', N, b.nodes, outs.map((v, j) => ({ buffer: 1 + j, value: v })), []);
    const words = Uint32Array.from({ length: N }, (_, i) => (Math.imul(i + 1, 0x9e3779b1) | (i % 2 ? 0x80000000 : 0)) >>> 0);
    const heap = new WasmHeap(64, 1);
    const addrs = kernel.params.map((p) => heap.alloc(N * 4, `buffer ${p}`));
    new Uint32Array(heap.memory.buffer, addrs[0], N).set(words);
    instantiate(renderWasm(kernel, { maxPages: 64 }), heap.memory).run(addrs, 0, N);
    [1, 8, 31, 32, 0].forEach((s, j) => {
      assert.deepEqual(Array.from(heap.f32(addrs[1 + j], N)), Array.from(words, (x) => Math.fround(x >>> s)), `shift ${s}`);
    });
  });
});
