// Compiled gradients (forward and backward fused by the compiler into one plan) against the
// float64 interpreter, on cpu, webasm and wasm, within the tolerance of the random-programs test.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import * as g from '../../../src/dsl/index.js';
import type { Tensor } from '../../../src/dsl/index.js';
import { compile } from '../../../src/compiler/index.js';
import type { Runtime } from '../../../src/runtime/index.js';
import { createRuntime } from '../../../src/runtime/index.js';
import { DEFAULT_TOLERANCE, arbDifferentiable, compiledMatchesReference, firstMismatch, propertyParams, smoothnessMargin } from '../../../props/index.js';
import { build, evaluate, lossAndGrads } from './helpers.js';

// f32 evaluation moves values by ~1e-6 relative; nearer a kink than this, f32 and f64 may pick different sides
const MARGIN = 1e-3;

/** A two-layer MLP's SGD step on softmax cross-entropy: parameters in, updated parameters and the loss out. */
const sgdStep = build(
  { w1: [4, 8], b1: [8], w2: [8, 3], x: [5, 4], y: { shape: [5], dtype: 'i32' } },
  ({ w1, b1, w2, x, y }) => {
    const [loss, d] = g.valueAndGrad(({ w1, b1, w2 }: Record<'w1' | 'b1' | 'w2', Tensor>) => {
      const logits = g.matmul(g.tanh(g.add(g.matmul(x, w1), b1)), w2);
      const shifted = g.sub(logits, g.max(logits, { axes: 1, keepDims: true }));
      const oneHot = g.cast(g.eq(g.iota([5, 3], 1), g.reshape(y, [5, 1])), 'f32');
      return g.mean(g.sub(g.log(g.sum(g.exp(shifted), { axes: 1 })), g.sum(g.mul(oneHot, shifted), { axes: 1 })));
    })({ w1, b1, w2 });
    const step = (p: Tensor, dp: Tensor) => g.sub(p, g.mul(dp, 0.5));
    return { loss, w1: step(w1, d.w1), b1: step(b1, d.b1), w2: step(w2, d.w2) };
  },
);

const values = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.fround(Math.sin(seed * 97 + i * 1.7) * 0.8));
const sgdFeeds = { w1: values(32, 1), b1: values(8, 2), w2: values(24, 3), x: values(20, 4), y: [0, 2, 1, 1, 0] };

for (const backend of ['cpu', 'webasm', 'wasm'] as const) {
  describe(`compiled gradients on ${backend}`, () => {
    let rt: Runtime;
    before(async () => (rt = await createRuntime({ backend })));
    after(() => rt.destroy());

    it('random losses and their gradients agree with the float64 reference', async () => {
      await fc.assert(
        fc.asyncProperty(arbDifferentiable(), async (c) => {
          const margin = evaluate(build(c.shapes, (xs) => ({ m: smoothnessMargin(c.loss(xs)) })), c.feeds).m[0];
          fc.pre(margin > MARGIN);
          const problem = await compiledMatchesReference(rt, lossAndGrads(c), c.feeds);
          assert.equal(problem, undefined, `${problem}\n${c.recipe.join('\n')}`);
        }),
        propertyParams(backend === 'webasm' ? 40 : 100),
      );
    });

    it('a max over a fused value routes its gradient although the backend recomputes that value', async () => {
      // the max is stored in f32; the cpu backend recomputes tanh(3x) in float64 where it is fused
      const prog = build({ x: [3, 4] }, ({ x }) => {
        const loss = g.sum(g.max(g.tanh(g.mul(x, 3)), { axes: 1 }));
        return { loss, d: g.grad(loss, { x }).x };
      });
      const feeds = { x: values(12, 5) };
      assert.ok(evaluate(prog, feeds).d.some((v) => v !== 0));
      assert.equal(await compiledMatchesReference(rt, prog, feeds), undefined);
    });

    it('an embedding lookup with fed, repeated and out-of-range ids scatters its gradient back', async () => {
      const prog = build({ e: [6, 3], ids: { shape: [2, 4], dtype: 'i32' } }, ({ e, ids }) => {
        const loss = g.sum(g.mul(g.tanh(g.gather(e, ids)), g.iota([2, 4, 3], 2, 'f32')));
        return { loss, d: g.grad(loss, { e }).e };
      });
      const feeds = { e: values(18, 6), ids: [1, 1, 4, -1, 9, 1, 0, 4] };
      assert.equal(await compiledMatchesReference(rt, prog, feeds), undefined);
    });

    it('an MLP training step, forward and backward in one plan, matches the reference over 10 looped steps', async () => {
      const plan = compile(sgdStep);
      let want: Record<string, ArrayLike<number>> = sgdFeeds;
      const losses: number[] = [];
      for (let s = 0; s < 10; s++) {
        const out = evaluate(sgdStep, { ...sgdFeeds, w1: want.w1, b1: want.b1, w2: want.w2 });
        losses.push(out.loss[0]);
        want = out;
      }
      assert.ok(losses[9] < losses[0] * 0.9, `the step should train: losses ${losses.join(', ')}`);
      const exe = rt.loop(plan, { steps: 10, carry: { w1: 'w1', b1: 'b1', w2: 'w2' } });
      try {
        const got = await exe.run(sgdFeeds);
        assert.ok(E.isRight(got), E.isLeft(got) ? got.left.message : '');
        for (const name of ['loss', 'w1', 'b1', 'w2']) {
          const m = firstMismatch(got.right[name], want[name], DEFAULT_TOLERANCE);
          assert.equal(m, undefined, `${name}: ${JSON.stringify(m)}`);
        }
      } finally {
        exe.destroy();
      }
    });
  });
}
