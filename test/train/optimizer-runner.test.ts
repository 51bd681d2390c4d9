// Several steps per call (one pipeline) against the same steps taken one call at a time: the numbers
// must be bit-identical, with per-step batches and per-step keys, and the per-step losses reported.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from 'fp-ts/lib/Either.js';
import * as g from '../../src/dsl/index.js';
import * as o from '../../src/optim/index.js';
import { createRuntime } from '../../src/runtime/index.js';
import type { Runtime } from '../../src/runtime/index.js';
import type { OptimizerRunner, OptimizerState, Values } from '../../src/train/optimizer-runner.js';
import { createOptimizerRunner } from '../../src/train/optimizer-runner.js';
import { mulberry32 } from '../../props/mulberry32.js';
import { right } from '../nn/harness.js';


const ROWS = 5;
const FEATURES = 3;
const CLASSES = 4;

/** Softmax regression with a Child-Tuning F mask: per-step keys, per-step batches, a loss to report. */
const objective: o.Objective = {
  inputs: { x: { shape: [ROWS, FEATURES], dtype: 'f32' }, y: { shape: [ROWS, CLASSES], dtype: 'f32' } },
  build: (p, inp) => {
    const logits = g.add(g.matmul(inp.x, p.w), p.b);
    const shifted = g.sub(logits, g.max(logits, { axes: 1, keepDims: true }));
    const logp = g.sub(shifted, g.log(g.sum(g.exp(shifted), { axes: 1, keepDims: true })));
    return { loss: g.neg(g.mean(g.sum(g.mul(inp.y, logp), { axes: 1 }))) };
  },
};
const SHAPES = { w: [FEATURES, CLASSES], b: [CLASSES] };

const batch = (rand: () => number): Values => {
  const y = new Float32Array(ROWS * CLASSES);
  for (let r = 0; r < ROWS; r++) y[r * CLASSES + Math.floor(rand() * CLASSES)] = 1;
  return { x: Float32Array.from({ length: ROWS * FEATURES }, () => rand() * 2 - 1), y };
};

const params0 = (): Values => {
  const rand = mulberry32(3);
  return { w: Float32Array.from({ length: FEATURES * CLASSES }, () => rand() - 0.5), b: new Float32Array(CLASSES) };
};

const sameBits = (a: Values, b: Values, what: string) => {
  for (const k of Object.keys(a)) assert.deepEqual(new Uint32Array(a[k].buffer.slice(0)), new Uint32Array(b[k].buffer.slice(0)), `${what}: ${k}`);
};

for (const backend of ['cpu', 'webasm', 'wasm'] as const) {
  describe(`several steps per call (${backend})`, () => {
    let rt: Runtime;
    let runner: OptimizerRunner;
    before(async () => {
      rt = await createRuntime({ backend });
      runner = right(createOptimizerRunner(rt, o.childTuningAdamW(0.05, { reserveP: 0.5, mode: 'F' }), SHAPES, objective));
    });
    after(() => {
      runner.destroy();
      rt.destroy();
    });

    test('k batches in one call = k calls of one batch, bit for bit, with every step\'s loss', async () => {
      const rand = mulberry32(11);
      const batches = Array.from({ length: 7 }, () => batch(rand));
      let one: OptimizerState = right(await runner.init(params0()));
      const losses: number[] = [];
      for (const b of batches) {
        one = right(await runner.step(one, b));
        losses.push(one.metrics!.loss);
      }
      // 7 = 4 + 3: two loop plans, and the second call starts where the first ended
      let many: OptimizerState = right(await runner.init(params0()));
      many = right(await runner.steps(many, batches.slice(0, 4), 4));
      const first = Array.from(many.stepMetrics!.loss);
      many = right(await runner.steps(many, batches.slice(4), 3));
      assert.equal(many.step, 7);
      sameBits(many.params, one.params, 'params');
      sameBits(many.state, one.state, 'state');
      assert.deepEqual([...first, ...many.stepMetrics!.loss], losses.map(Math.fround));
      assert.equal(many.metrics!.loss, Math.fround(losses[6]));
      // the loop really varied the batch: the same batch every step gives other numbers
      const repeated = right(await runner.steps(right(await runner.init(params0())), batches[0], 4));
      assert.notDeepEqual(Array.from(repeated.params.w), Array.from(right(await runner.steps(right(await runner.init(params0())), batches.slice(0, 4), 4)).params.w));
    });

    test('a wrong number of per-step inputs is an error naming both counts', async () => {
      const s = right(await runner.init(params0()));
      const rand = mulberry32(5);
      const out = await runner.steps(s, [batch(rand), batch(rand)], 3);
      assert.ok(E.isLeft(out));
      assert.match(out.left.message, /3 steps need 3 sets of inputs, got 2/);
    });
  });
}

test('per-step gradients: every bad step is reported with its index', async () => {
  const rt = await createRuntime({ backend: 'cpu' });
  const runner = right(createOptimizerRunner(rt, o.adamw(1e-2), { w: [2] }));
  const s = right(await runner.init({ w: Float32Array.of(1, 2) }));
  const out = await runner.steps(s, [{ w: Float32Array.of(1, 1) }, { v: Float32Array.of(1, 1) }, {}], 3);
  assert.ok(E.isLeft(out));
  assert.match(out.left.message, /step 1: gradient for 'w': missing/);
  assert.match(out.left.message, /step 1: gradient 'v': matches no parameter/);
  assert.match(out.left.message, /step 2: gradient for 'w': missing/);
  const ok = right(await runner.steps(s, [{ w: Float32Array.of(1, 1) }, { w: Float32Array.of(-1, 2) }], 2));
  let ref = s;
  for (const gw of [Float32Array.of(1, 1), Float32Array.of(-1, 2)]) ref = right(await runner.step(ref, { w: gw }));
  sameBits(ok.params, ref.params, 'gradient steps');
  runner.destroy();
  rt.destroy();
});

test('every problem with the gradients at once: sizes, a missing one, one that is not numbers', async () => {
  const rt = await createRuntime({ backend: 'cpu' });
  const runner = right(createOptimizerRunner(rt, o.adamw(1e-2), { w: [4, 3], b: [3], scale: [] }));
  const s = right(await runner.init({ w: new Float32Array(12), b: new Float32Array(3), scale: Float32Array.of(1) }));
  const out = await runner.step(s, { w: new Float32Array(3), scale: 'x' as unknown as Float32Array });
  assert.ok(E.isLeft(out));
  assert.deepEqual(out.left.problems, [
    "gradient for 'w': 3 values, expected 12 for f32[4, 3]",
    "gradient for 'b': missing (expected f32[3])",
    "gradient for 'scale': is 'x' (a string), expected a number or an array of numbers (for f32[])",
  ]);
  runner.destroy();
  rt.destroy();
});

test("an objective's inputs are checked in the caller's names, every step's problems at once", async () => {
  const rt = await createRuntime({ backend: 'cpu' });
  const runner = right(createOptimizerRunner(rt, o.adamw(1e-2), SHAPES, objective));
  const s = right(await runner.init(params0()));
  const good = batch(mulberry32(4));
  const out = await runner.steps(s, [{ x: good.x.slice(1), y: good.y }, { x: good.x }], 2);
  assert.ok(E.isLeft(out));
  assert.deepEqual(out.left.problems, [
    `step 0: input 'x': ${ROWS * FEATURES - 1} values, expected ${ROWS * FEATURES} for f32[${ROWS}, ${FEATURES}]`,
    `step 1: input 'y': missing (expected f32[${ROWS}, ${CLASSES}])`,
  ]);
  runner.destroy();
  rt.destroy();
});

test("parameters are checked in the caller's names at init and at every step, with state or without", async () => {
  const rt = await createRuntime({ backend: 'cpu' });
  for (const t of [o.adamw(1e-2), o.sgd(1e-2)]) {
    const runner = right(createOptimizerRunner(rt, t, { w: [4, 3], b: [3] }));
    const bad = await runner.init({ w: new Float32Array(5), v: new Float32Array(3) });
    assert.ok(E.isLeft(bad));
    assert.deepEqual(bad.left.problems, [
      "parameter 'w': 5 values, expected 12 for f32[4, 3]",
      "parameter 'b': missing (expected f32[3])",
      "parameter 'v': not one of the optimizer's parameters (parameters: w, b)",
    ]);
    const s = right(await runner.init({ w: new Float32Array(12), b: new Float32Array(3) }));
    const step = await runner.step({ ...s, params: { w: s.params.w } }, { w: new Float32Array(12), b: new Float32Array(3) });
    assert.ok(E.isLeft(step));
    assert.deepEqual(step.left.problems, ["parameter 'b': missing (expected f32[3])"]);
    runner.destroy();
  }
  rt.destroy();
});
