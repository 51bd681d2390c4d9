// Optimizers and training on webgpu: AdamW and Child-Tuning against the float64 step and wasm,
// masks identical to wasm's, a fit and a short scheduledFit that train as they do on wasm.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import * as E from 'fp-ts/lib/Either.js';
import * as g from '../../../src/dsl/index.js';
import * as nn from '../../../src/nn/index.js';
import * as o from '../../../src/optim/index.js';
import { compile } from '../../../src/compiler/index.js';
import type { Runtime } from '../../../src/runtime/index.js';
import { createRuntime } from '../../../src/runtime/index.js';
import { createOptimizerRunner } from '../../../src/train/optimizer-runner.js';
import { fit } from '../../../src/train/fit.js';
import { scheduledFit } from '../../../src/train/scheduled-fit.js';
import { blobs } from '../../train/blobs.js';
import { webgpuSuite } from './adapter.js';
import { assertStepMatchesFloat64 } from '../../train/step-vs-float64.js';

const right = <A>(e: E.Either<unknown, A>): A => {
  if (E.isLeft(e)) throw e.left;
  return e.right;
};
const fill = (n: number, f: (i: number) => number) => Float32Array.from({ length: n }, (_, i) => f(i));
const close = (got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string) => {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i] - want[i]) <= tol * Math.max(1, Math.abs(want[i])))) assert.fail(`${what}[${i}] = ${got[i]}, expected ${want[i]}`);
  }
};

webgpuSuite('webgpu backend: optimizers and training', () => {
  let gpu: Runtime;
  let wasm: Runtime;
  before(async () => {
    gpu = await createRuntime({ backend: 'webgpu' });
    wasm = await createRuntime({ backend: 'wasm' });
  });
  after(() => {
    gpu.destroy();
    wasm.destroy();
  });

  const n = 3001;
  const transforms: Array<[string, o.Transform]> = [
    ['AdamW', o.adamw(1e-2, { weightDecay: 0.1 })],
    ['Child-Tuning F AdamW', o.childTuningAdamW(1e-2, { mode: 'F', reserveP: 0.3, seed: 4, weightDecay: 0.01 })],
  ];
  for (const [name, t] of transforms) {
    it(`${name}: 4 steps per call equal 4 calls bit for bit, and match the float64 step and wasm`, async () => {
      const steps = right(o.buildStep(t, { w: [n] }));
      const plan = compile(steps.step);
      const state0 = right(g.interpret(steps.init!, { 'p:w': fill(n, (i) => Math.sin(i)) }));
      const keys = plan.inputSpecs.filter((s) => s.name.startsWith('key:')).map((s) => s.name);
      const feeds: Record<string, ArrayLike<number>> = { 'p:w': fill(n, (i) => Math.sin(i)), 'g:w': fill(n, (i) => Math.cos(i * 0.3)), ...Object.fromEntries(Object.entries(state0).map(([k, v]) => [k, Float32Array.from(v)])), ...Object.fromEntries(keys.map((k) => [k, g.randomKey(4, 1)])) };
      const carry = { 'p:w': 'p:w', ...Object.fromEntries(steps.state.map((s) => [`s:${s}`, `s:${s}`])) };
      const many = right(await gpu.loop(plan, { steps: 4, carry }).run(feeds));
      const one = gpu.load(plan);
      const onWasm = wasm.load(plan);
      let [cur, ref, w]: Record<string, ArrayLike<number>>[] = [feeds, feeds, feeds];
      const advance = (from: Record<string, ArrayLike<number>>, out: Record<string, ArrayLike<number>>) => ({ ...from, ...Object.fromEntries(Object.entries(carry).map(([i, k]) => [i, out[k]])) });
      for (let s = 0; s < 4; s++) {
        cur = advance(cur, right(await one.run(cur)));
        w = advance(w, right(await onWasm.run(w)));
        ref = advance(ref, right(g.interpret(steps.step, ref)));
      }
      for (const k of Object.keys(carry)) {
        assert.deepEqual(Array.from(many[k]), Array.from(cur[k]), `${k}: 4 steps per call vs 4 calls`);
        close(many[k], ref[k], 1e-5, `${k} vs float64`);
        close(many[k], w[k], 1e-5, `${k} vs wasm`);
      }
    });
  }

  it('Child-Tuning F draws the same mask as wasm: the same elements keep a zero first moment after one step', async () => {
    const size = 20_011;
    const steps = right(o.buildStep(o.childTuningAdamW(1e-3, { mode: 'F', reserveP: 0.3, seed: 11 }), { w: [size] }));
    const plan = compile(steps.step);
    const state0 = right(g.interpret(steps.init!, { 'p:w': new Float32Array(size) }));
    const keys = plan.inputSpecs.filter((s) => s.name.startsWith('key:')).map((s) => s.name);
    const feeds = { 'p:w': new Float32Array(size), 'g:w': fill(size, (i) => 1 + (i % 5)), ...Object.fromEntries(Object.entries(state0).map(([k, v]) => [k, Float32Array.from(v)])), ...Object.fromEntries(keys.map((k) => [k, g.randomKey(11, 2)])) };
    const [a, b] = [right(await gpu.load(plan).run(feeds)), right(await wasm.load(plan).run(feeds))];
    const moment = Object.keys(a).find((k) => k.startsWith('s:') && a[k].length === size && a[k].some((v) => v !== 0) && a[k].some((v) => v === 0))!;
    assert.ok(moment, `a state output with masked zeros among ${Object.keys(a).join(', ')}`);
    const kept = (x: Float32Array): number[] => Array.from(x, (v) => (v === 0 ? 0 : 1));
    assert.deepEqual(kept(a[moment]), kept(b[moment]));
    const share = kept(a[moment]).reduce((s, v) => s + v, 0) / size;
    assert.ok(Math.abs(share - 0.3) < 0.02, `about reserveP of the elements update: ${share}`);
  });

  it('fit: an MLP trains to the same accuracy as on wasm, losses within float32 noise', async () => {
    const model = nn.mlpClassifier([4, 8, 3]);
    const p0 = nn.initParams(model, 5);
    const runs = [];
    for (const rt of [gpu, wasm]) runs.push(await fit(rt, { model, transform: o.adamw(0.05), features: [4], epochs: 2, batchSize: 16, seed: 3 }, p0, blobs(96, 1), blobs(60, 2)));
    const [a, b] = runs;
    assert.equal(a.records.length, 2);
    a.records.forEach((r, i) => {
      assert.equal(r.evalAccuracy, b.records[i].evalAccuracy, `epoch ${i + 1} accuracy`);
      close([r.trainLoss], [b.records[i].trainLoss], 1e-4, `epoch ${i + 1} train loss`);
    });
    for (const name of Object.keys(a.params)) close(a.params[name], b.params[name], 1e-4, name);
  });

  it('scheduledFit: the head trains first, the body thaws at its epoch, as on wasm', async () => {
    const model = nn.mlpClassifier([4, 8, 3]);
    const p0 = nn.initParams(model, 5);
    const head = ['layers.1.weight', 'layers.1.bias'];
    const runs = [];
    for (const rt of [gpu, wasm]) {
      runs.push(await scheduledFit(rt, {
        model, features: [4], batchSize: 16, seed: 2,
        machine: { phases: [{ params: head, maxTransitionEpoch: 2 }, { params: ['layers.0.weight', 'layers.0.bias'], maxTransitionEpoch: -1, lr: 0.02 }], maxDepth: -1, epochTransitionsOnly: true, restoreBest: false, baseMaxLr: 0.02, earlyStopping: { mode: 'min', patience: 1, minDelta: 0 }, maxEpochs: 3 },
        groupTransform: (lr) => o.adamw(lr ?? 0.05, { weightDecay: 0 }),
      }, p0, blobs(48, 1), blobs(30, 2)));
    }
    const [a, b] = runs;
    assert.deepEqual(a.records.map((r) => r.depth), [0, 0, 1]);
    assert.deepEqual(a.transitions, b.transitions);
    assert.deepEqual(a.records.map((r) => r.evalAccuracy), b.records.map((r) => r.evalAccuracy));
    for (const name of Object.keys(a.params)) close(a.params[name], b.params[name], 1e-4, name);
  });

  it('a BERT-layout transformer step (gathers, attention, layer norms, dropout, clipping, AdamW): loss and parameters match float64', async () => {
    const [SEQ, BATCH] = [6, 4];
    const model = nn.bertClassifier({ vocabSize: 8, hiddenSize: 16, numHiddenLayers: 1, numAttentionHeads: 2, intermediateSize: 32, maxPositionEmbeddings: SEQ, numLabels: 2, typeVocabSize: 0 });
    const shapes = nn.paramShapes(model);
    const objective: o.Objective = {
      inputs: { ids: { shape: [BATCH, SEQ], dtype: 'i32' }, y: { shape: [BATCH], dtype: 'i32' }, key: { shape: [], dtype: 'i32' } },
      build: (p, inp) => ({ loss: nn.crossEntropy(model.apply(p, { inputIds: inp.ids }, nn.trainCtx(inp.key)), inp.y), metrics: {} }),
    };
    const runner = right(createOptimizerRunner(gpu, o.chain(o.clipByGlobalNorm(1), o.adamw(3e-3, { weightDecay: 0.01 })), shapes, objective));
    try {
      const s0 = right(await runner.init(nn.initParams(model, 1)));
      const feeds = { ids: fill(BATCH * SEQ, (i) => (i * 5) % 8), y: fill(BATCH, (i) => i % 2), key: Float32Array.of(g.randomKey(5, 1)) };
      const s1 = right(await runner.step(s0, feeds));
      assertStepMatchesFloat64(runner.programs.step, s0, feeds, s1, Object.keys(shapes));
    } finally {
      runner.destroy();
    }
  });
});
