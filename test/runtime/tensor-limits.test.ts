// Each backend's tensor limit: gpu.js (its backends and the AOT gpujs target) refuses plans past
// 2^24 elements and wasm past 2^29, naming every tensor, its shape and the limit, before anything
// is built or run; plans at the limit load.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as E from 'fp-ts/lib/Either.js';
import * as g from '../../src/dsl/index.js';
import { compile } from '../../src/compiler/index.js';
import type { Plan } from '../../src/compiler/index.js';
import { createRuntime } from '../../src/runtime/index.js';
import { GPUJS_MAX_ELEMENTS, TensorTooLargeError, WASM_MAX_ELEMENTS, oversizedTensors } from '../../src/runtime/tensor-limits.js';
import { gpujsExecutable } from '../../src/runtime/aot/gpujs.js';
import type { AotProgram } from '../../src/runtime/aot/format.js';

const right = <A>(e: E.Either<unknown, A>): A => {
  if (E.isLeft(e)) throw e.left;
  return e.right;
};

/** x [4097, 4100] (past 2^24) times a small w, and an output past 2^24 too. */
const past2to24 = (): Plan => compile(right(g.program({ x: [4097, 4100], w: [3] }, ({ x, w }) => ({ y: g.mul(x, 2), s: g.sum(w) }))));

const refusal = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof TensorTooLargeError, `a TensorTooLargeError, got ${(e as Error).name}: ${(e as Error).message}`);
    return e.message;
  }
  return assert.fail('no refusal');
};

describe('tensor limits per backend', () => {
  it('gpu.js (cpu, webasm) refuses a plan past 2^24 elements at load, naming each tensor, its shape and the limit', async () => {
    for (const backend of ['cpu', 'webasm'] as const) {
      const rt = await createRuntime({ backend });
      try {
        const message = refusal(() => rt.load(past2to24()));
        assert.equal(message, [
          `gpu.js (${backend}): 2 tensors have more than 16777216 elements (2^24 on gpu.js, whose kernels index in f32; the wasm and webgpu backends take more):`,
          "  input 'x' f32[4097, 4100] (16797700 elements)",
          "  output 'y' f32[4097, 4100] (16797700 elements)",
        ].join('\n'));
        // exactly 2^24 elements loads and runs
        const at = compile(right(g.program({ x: [4096, 4096] }, ({ x }) => ({ s: g.sum(g.slice(x, [4095, 4090], [4096, 4096])) }))));
        const x = new Float32Array(2 ** 24).fill(0.5);
        assert.deepEqual(Array.from(right(await rt.load(at).run({ x })).s), [3]);
      } finally {
        rt.destroy();
      }
    }
  });

  it('a fused intermediate past 2^24 (no buffer of its own) is refused on gpu.js too, and the AOT gpujs target refuses alike', async () => {
    // the [4097, 4100] broadcast sum fuses into the reduction: only its reshape's flat indices reach past 2^24
    const plan = compile(right(g.program({ a: [4097, 1], b: [1, 4100] }, ({ a, b }) => ({ s: g.sum(g.reshape(g.add(a, b), [4097 * 4100]), { axes: [0] }) }))));
    assert.ok(plan.buffers.every((b) => b.size <= GPUJS_MAX_ELEMENTS));
    assert.deepEqual(oversizedTensors(plan, GPUJS_MAX_ELEMENTS), ['a fused add [4097, 4100] (16797700 elements)']);
    const rt = await createRuntime({ backend: 'cpu' });
    try {
      assert.match(refusal(() => rt.load(plan)), /^gpu\.js \(cpu\): a tensor has more than 16777216 elements .*:\n {2}a fused add \[4097, 4100\] \(16797700 elements\)$/);
    } finally {
      rt.destroy();
    }
    const aot = { plan: past2to24(), defaults: {}, from: { export: 'big' } } as unknown as AotProgram;
    assert.match(refusal(() => gpujsExecutable(aot, { steps: 1, carry: {} })), /^gpu\.js \(gpujs target\): 2 tensors have more than 16777216 elements/);
  });

  it('two fused intermediates past 2^24 are both named, and so is one beside a larger buffer; one fused into a buffer of its size is that buffer', () => {
    // two broadcast products, each summed where it is made: neither has a buffer
    const two = compile(right(g.program({ a: [4097, 1], b: [1, 4100], c: [1, 4099] }, ({ a, b, c }) => ({ s: g.sum(g.mul(a, b)), t: g.max(g.sub(a, c)) }))));
    assert.deepEqual(oversizedTensors(two, GPUJS_MAX_ELEMENTS), ['a fused mul [4097, 4100] (16797700 elements)', 'a fused sub [4097, 4099] (16793603 elements)']);
    // x's buffers are larger than the fused product, which has its own kernel reading it whole
    const beside = compile(right(g.program({ x: [4097, 4200], a: [4097, 1], b: [1, 4100] }, ({ x, a, b }) => ({ y: g.neg(x), s: g.sum(g.mul(a, b)) }))));
    assert.deepEqual(oversizedTensors(beside, GPUJS_MAX_ELEMENTS), [
      "input 'x' f32[4097, 4200] (17207400 elements)",
      "output 'y' f32[4097, 4200] (17207400 elements)",
      'a fused mul [4097, 4100] (16797700 elements)',
    ]);
    // only tensors past the limit asked for: wasm's 2^29 takes all of these
    assert.deepEqual(oversizedTensors(beside, WASM_MAX_ELEMENTS), []);
    // y = x · 2: the constant 2 filling x's shape is fused into y's kernel, whose buffer names it
    assert.deepEqual(oversizedTensors(past2to24(), GPUJS_MAX_ELEMENTS), ["input 'x' f32[4097, 4100] (16797700 elements)", "output 'y' f32[4097, 4100] (16797700 elements)"]);
  });

  it('wasm loads a plan past 2^24 and refuses one past 2^29 elements before allocating anything', async () => {
    const rt = await createRuntime({ backend: 'wasm' });
    try {
      assert.ok(rt.load(past2to24()));
      const over = compile(right(g.program({ x: [WASM_MAX_ELEMENTS + 1] }, ({ x }) => ({ y: g.neg(x) }))));
      const message = refusal(() => rt.load(over));
      assert.equal(message, [
        'wasm: 2 tensors have more than 536870912 elements (2^29 on wasm: 2 GiB, the largest block of 4 GiB wasm32 memory; the webgpu backend may take more):',
        "  input 'x' f32[536870913] (536870913 elements)",
        "  output 'y' f32[536870913] (536870913 elements)",
      ].join('\n'));
      assert.ok(rt.load(compile(right(g.program({ x: [WASM_MAX_ELEMENTS] }, ({ x }) => ({ y: g.neg(x) }))))));
    } finally {
      rt.destroy();
    }
  });
});
