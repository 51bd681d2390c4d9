// Tree reductions on webgpu (SwiftShader where there is no GPU): row sums within the float64 error
// bound of their fixed order, maxima exact, softmax and layer norm close to float64, a training
// step close to float64; with treeReduce: false the IR's sequential order, the f32 interpreter's bits
// (wasm sums contiguous rows in four lanes, wasm/reduce-lanes.ts: another order again).
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import * as E from 'fp-ts/lib/Either.js';
import * as g from '../../../src/dsl/index.js';
import * as nn from '../../../src/nn/index.js';
import * as o from '../../../src/optim/index.js';
import { compile } from '../../../src/compiler/index.js';
import { reductionWorkgroup, renderWgsl } from '../../../src/compiler/wgsl/index.js';
import { treeReductions } from '../../../src/compiler/wgsl/render-reduce.js';
import type { Runtime } from '../../../src/runtime/index.js';
import { createRuntime } from '../../../src/runtime/index.js';
import { createOptimizerRunner } from '../../../src/train/optimizer-runner.js';
import { firstBitDifference } from '../../../props/index.js';
import { mulberry32 } from '../../../props/mulberry32.js';
import { webgpuSuite } from './adapter.js';
import { assertStepMatchesFloat64 } from '../../train/step-vs-float64.js';

const right = <A>(e: E.Either<unknown, A>): A => {
  if (E.isLeft(e)) throw e.left;
  return e.right;
};
const U = 2 ** -24;

/**
 * The bound on a tree sum of `length` f32 terms against the exact sum: every term passes through at
 * most ceil(length / W) adds in its invocation's slice, log2(W) in the tree and one adding the
 * init, so |error| ≤ γ_d · Σ|x| with d that depth and γ_d = d·u / (1 − d·u) (Higham, ch. 4); plus
 * float64's own error on the reference (length · 2^-53 · Σ|x|).
 */
const treeSumBound = (length: number, absSum: number): number => {
  const w = reductionWorkgroup(length);
  const d = Math.ceil(length / w) + Math.log2(w) + 1;
  return ((d * U) / (1 - d * U) + length * 2 ** -53) * absSum;
};

webgpuSuite('webgpu tree reductions', () => {
  let tree: Runtime;
  let plain: Runtime;
  let wasm: Runtime;
  before(async () => {
    tree = await createRuntime({ backend: 'webgpu' });
    plain = await createRuntime({ backend: 'webgpu', treeReduce: false });
    wasm = await createRuntime({ backend: 'wasm', threads: 1 });
  });
  after(() => [tree, plain, wasm].forEach((rt) => rt.destroy()));

  // multiples of a workgroup, lengths just past one, odd lengths, and one drawn at random; longer
  // rows the compiler splits into chunks of about √n (lower.ts), whose combine is again a tree
  const lengths = [64, 100, 256, 257, 1000, 1024, 64 + Math.floor(mulberry32(13)() * 960)];
  for (const [li, length] of lengths.entries()) {
    it(`row sums within the tree-order bound of float64 and maxima exact; per element when off equals the f32 interpreter (rows of ${length})`, async () => {
      const rows = 7;
      const prog = right(g.program({ x: [rows, length] }, ({ x }) => ({ s: g.sum(x, { axes: 1 }), m: g.max(x, { axes: 1 }) })));
      const plan = compile(prog);
      const rand = mulberry32(100 + li);
      // mixed signs and magnitudes, so cancellation and rounding show
      const x = Float32Array.from({ length: rows * length }, () => (rand() - 0.4) * 2 ** Math.floor(rand() * 12 - 6));
      const exe = tree.load(plan);
      const got = right(await exe.run({ x }));
      assert.equal(exe.info()?.treeKernels, 1, 'the sum and the max (one kernel) ran as tree reductions');
      for (let r = 0; r < rows; r++) {
        const row = Array.from(x.subarray(r * length, (r + 1) * length));
        const exact = row.reduce((a, b) => a + b, 0);
        const absSum = row.reduce((a, b) => a + Math.abs(b), 0);
        const err = Math.abs(got.s[r] - exact);
        assert.ok(err <= treeSumBound(length, absSum), `row ${r}: sum ${got.s[r]} vs float64 ${exact}: off by ${err}, bound ${treeSumBound(length, absSum)}`);
        assert.equal(got.m[r], Math.max(...row), `row ${r}: max`);
      }
      const [off, f32] = [right(await plain.load(plan).run({ x })), right(g.interpret(prog, { x }, 'f32'))];
      for (const name of ['s', 'm'] as const) {
        const d = firstBitDifference(off[name], f32[name]);
        assert.equal(d, undefined, `${name} with treeReduce: false vs the f32 interpreter at ${d?.index}: ${d?.got} vs ${d?.want}`);
      }
      // wasm's max is the same value in any order
      const d = firstBitDifference(got.m, right(await wasm.load(plan).run({ x })).m);
      assert.equal(d, undefined, `max vs wasm at ${d?.index}`);
    });
  }

  it('softmax, layer norm and a mean over rows of 300 and 1000: float64 within 1e-5', async () => {
    for (const width of [300, 1000]) {
      const prog = right(g.program({ x: [5, width], w: [width], b: [width] }, ({ x, w, b }) => ({
        p: nn.softmax(x, -1),
        n: nn.layerNormForward(x, w, b),
        mean: g.mean(x, { axes: 1 }),
      })));
      const rand = mulberry32(width);
      const feeds = { x: Float32Array.from({ length: 5 * width }, () => rand() * 8 - 4), w: Float32Array.from({ length: width }, () => rand() + 0.5), b: Float32Array.from({ length: width }, () => rand() - 0.5) };
      const plan = compile(prog);
      const exe = tree.load(plan);
      const got = right(await exe.run(feeds));
      // softmax's max and sum share a kernel (the sum reads the max at its own row), as do layer norm's moments
      const trees = plan.kernelIR!.reduce((t, k) => t + treeReductions(k).length, 0);
      assert.ok(trees >= 3 && (exe.info()?.treeKernels ?? 0) >= 2, `tree reductions ran: ${trees} in ${exe.info()?.treeKernels} kernels`);
      const want = right(g.interpret(prog, feeds, 'f64'));
      for (const name of Object.keys(want)) {
        for (let i = 0; i < want[name].length; i++) {
          const [a, b] = [got[name][i], want[name][i]];
          if (!(Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(b)))) assert.fail(`${name}[${i}] (width ${width}) = ${a}, float64 ${b}`);
        }
      }
    }
  });

  it('a training step (cross-entropy over 80 classes, global-norm clipping, AdamW) with tree reductions: loss and parameters match float64', async () => {
    const BATCH = 8;
    const model = nn.mlpClassifier([96, 64, 80]);
    const shapes = nn.paramShapes(model);
    const objective: o.Objective = {
      inputs: { x: { shape: [BATCH, 96], dtype: 'f32' }, y: { shape: [BATCH], dtype: 'i32' } },
      build: (p, inp) => ({ loss: nn.crossEntropy(model.apply(p, inp.x, nn.evalCtx), inp.y), metrics: {} }),
    };
    const runner = right(createOptimizerRunner(tree, o.chain(o.clipByGlobalNorm(1), o.adamw(3e-3, { weightDecay: 0.01 })), shapes, objective));
    try {
      const trees = compile(runner.programs.step).kernelIR!.filter((k) => renderWgsl(k).treeWorkgroup).length;
      assert.ok(trees >= 2, `the step has tree reductions (${trees})`);
      const s0 = right(await runner.init(nn.initParams(model, 1)));
      const rand = mulberry32(7);
      const feeds = { x: Float32Array.from({ length: BATCH * 96 }, () => rand() * 2 - 1), y: Float32Array.from({ length: BATCH }, (_, i) => (i * 37) % 80) };
      const s1 = right(await runner.step(s0, feeds));
      assertStepMatchesFloat64(runner.programs.step, s0, feeds, s1, Object.keys(shapes));
    } finally {
      runner.destroy();
    }
  });
});
