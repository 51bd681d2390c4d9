import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import * as o from '../../src/optim/index.js';
import type { Transform } from '../../src/optim/index.js';
import type { Runtime } from '../../src/runtime/index.js';
import { createRuntime } from '../../src/runtime/index.js';
import { arbWarmupDecay, propertyParams, sameTrajectory, trajectory, warmupDecayLaws } from '../../props/index.js';
import { randomTensors } from './reference.js';

let rt: Runtime;
let cpu: Runtime;
before(async () => {
  rt = await createRuntime({ backend: 'webasm' });
  cpu = await createRuntime({ backend: 'cpu' });
});
after(() => {
  rt.destroy();
  cpu.destroy();
});

const zeros = (shapes: Record<string, number[]>) => Object.fromEntries(Object.entries(shapes).map(([k, s]) => [k, new Float32Array(s.reduce((a, b) => a * b, 1))]));

describe('Child-Tuning F', () => {
  const N = 4096;
  const P = 0.3;
  const shapes = { w: [N] };
  const grad = randomTensors(shapes, 3);

  it('the masked gradient is unbiased and its kept fraction binomial', async () => {
    // params start at 0 and the transform alone is applied, so each step's output is the masked gradient
    const S = 200;
    const states = await trajectory(rt, o.childTuning({ mode: 'F', reserveP: P, seed: 9 }), shapes, zeros(shapes), Array.from({ length: S }, () => grad));
    const sum = new Float64Array(N);
    for (let s = 1; s <= S; s++) {
      const prev = states[s - 1].params.w;
      const cur = states[s].params.w;
      let kept = 0;
      for (let i = 0; i < N; i++) {
        const masked = cur[i] - prev[i];
        sum[i] += masked;
        if (masked !== 0) kept++;
      }
      // kept ~ Binomial(N, p): 5 sigma
      const sd = Math.sqrt(N * P * (1 - P));
      assert.ok(Math.abs(kept - N * P) <= 5 * sd, `step ${s}: kept ${kept} of ${N}, expected ${N * P} ± ${5 * sd}`);
    }
    // each element's mean of S draws of g·B/p has sd |g|·sqrt((1-p)/(p·S)); 6 sigma over 4096 elements
    for (let i = 0; i < N; i++) {
      const sd = Math.abs(grad.w[i]) * Math.sqrt((1 - P) / (P * S));
      assert.ok(Math.abs(sum[i] / S - grad.w[i]) <= 6 * sd + 1e-6, `element ${i}: mean ${sum[i] / S} vs gradient ${grad.w[i]}`);
    }
  });

  it('reserveP = 1 is plain Hugging Face AdamW, bit for bit', async () => {
    const sh = { a: [5, 4], b: [4] };
    const grads = Array.from({ length: 20 }, (_, s) => randomTensors(sh, 50 + s));
    const problem = await sameTrajectory(rt, o.childTuningAdamW(1e-2, { mode: 'F', reserveP: 1, seed: 3, weightDecay: 0.1 }), o.chain(o.chain(), o.hfAdamW(1e-2, { weightDecay: 0.1 })), sh, randomTensors(sh, 1), grads, false);
    assert.equal(problem, undefined);
  });

  it('masks are identical across backends and across any split of a parameter into slices', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 255 }), fc.integer({ min: 0, max: 2 ** 20 }), async (cut, seed) => {
        const n = 256;
        const whole = { w: [n] };
        const halves = { w0: [cut], w1: [n - cut] };
        const g = Float32Array.from({ length: n }, (_, i) => 1 + i);
        const t = () => o.childTuning({ mode: 'F', reserveP: 0.5, seed });
        const [a] = (await trajectory(rt, t(), whole, zeros(whole), [{ w: g }])).slice(1);
        const [b] = (await trajectory(cpu, t(), whole, zeros(whole), [{ w: g }])).slice(1);
        const [c] = (await trajectory(rt, t(), halves, zeros(halves), [{ w0: g.slice(0, cut), w1: g.slice(cut) }])).slice(1);
        assert.deepEqual(Array.from(a.params.w), Array.from(b.params.w), 'cpu vs webasm');
        assert.deepEqual(Array.from(a.params.w), [...c.params.w0, ...c.params.w1], `split at ${cut}`);
      }),
      propertyParams(15),
    );
  });
});

describe('Child-Tuning D', () => {
  const shapes = { 'layer.w': [6, 5] };
  const mask = Float32Array.from({ length: 30 }, (_, i) => +(i % 3 === 0));
  const grads = Array.from({ length: 15 }, (_, s) => randomTensors(shapes, 70 + s));
  const p0 = randomTensors(shapes, 2);

  for (const wd of [0, 0.1]) {
    it(`masked entries move only by weight decay (wd ${wd}) and their moments stay zero`, async () => {
      const lr = 1e-2;
      const states = await trajectory(rt, o.childTuningAdamW(lr, { mode: 'D', masks: { 'layer.w': mask }, weightDecay: wd }), shapes, p0, grads);
      const last = states[states.length - 1];
      const mu = Object.entries(last.state).find(([k]) => k.endsWith('mu/layer.w'))![1];
      const nu = Object.entries(last.state).find(([k]) => k.endsWith('nu/layer.w'))![1];
      for (let i = 0; i < 30; i++) {
        if (mask[i]) continue;
        assert.equal(mu[i], 0, `mu[${i}]`);
        assert.equal(nu[i], 0, `nu[${i}]`);
        // the update is exactly zero, so only p ← p − lr·wd·p acts, once per step, in f32
        let want = p0['layer.w'][i];
        for (let s = 0; s < grads.length; s++) want = Math.fround(want - Math.fround(Math.fround(lr * wd) * want));
        if (wd === 0) assert.equal(last.params['layer.w'][i], p0['layer.w'][i], `p[${i}] moved`);
        else assert.ok(Math.abs(last.params['layer.w'][i] - want) <= 1e-6 * Math.abs(want), `p[${i}] = ${last.params['layer.w'][i]}, decay alone gives ${want}`);
      }
      assert.ok(mask.some((m, i) => m && last.params['layer.w'][i] !== p0['layer.w'][i]), 'unmasked entries must move');
    });
  }
});

describe('combinators', () => {
  const names = fc.uniqueArray(fc.stringMatching(/^[a-z]{1,3}(\.[a-z0-9]{1,3}){0,2}$/), { minLength: 1, maxLength: 12 });

  it('partition puts every parameter in exactly one group, and each group gets its own transform', async () => {
    await fc.assert(
      fc.asyncProperty(names, fc.array(fc.stringMatching(/^[a-z]$/), { minLength: 1, maxLength: 3 }), async (ps, letters) => {
        const labelling: Record<string, RegExp[]> = Object.fromEntries(letters.map((l, i) => [`g${i}`, [new RegExp(`^${l}`)]]));
        labelling.rest = [/.*/];
        const { groups, unlabelled } = o.groupsOf(ps, labelling);
        assert.deepEqual(unlabelled, []);
        assert.deepEqual(Object.values(groups).flat().sort(), [...ps].sort());
        // group k scales by k + 2: each parameter's update says which transform it got
        const transforms = Object.fromEntries(Object.keys(labelling).map((l, k) => [l, o.scale(k + 2)]));
        const shapes = Object.fromEntries(ps.map((p) => [p, [1]]));
        const [, s1] = await trajectory(cpu, o.partition(transforms, labelling), shapes, zeros(shapes), [Object.fromEntries(ps.map((p) => [p, Float32Array.of(1)]))]);
        for (const [l, members] of Object.entries(groups)) for (const p of members) assert.equal(s1.params[p][0], Object.keys(labelling).indexOf(l) + 2, p);
      }),
      propertyParams(40),
    );
  });

  it('partition reports every unlabelled parameter at once', () => {
    const r = o.buildStep(o.partition({ a: o.scale(1) }, { a: [/^enc/] }), { 'enc.w': [2], 'dec.w': [2], head: [1] });
    assert.ok(E.isLeft(r));
    assert.match(r.left.message, /no label for 'dec\.w', 'head'/);
  });

  it('chain is associative', async () => {
    const pool: Array<() => Transform<any>> = [() => o.scale(0.5), () => o.clipByGlobalNorm(1), () => o.scaleByAdam(), () => o.traceMomentum(0.9), () => o.addDecayedWeights(0.01), () => o.scaleByLearningRate(o.linearWarmupDecay({ peak: 0.1, warmup: 2, total: 6 }))];
    const sh = { a: [3, 2], b: [2] };
    const grads = Array.from({ length: 4 }, (_, s) => randomTensors(sh, 90 + s));
    await fc.assert(
      fc.asyncProperty(fc.tuple(fc.nat(pool.length - 1), fc.nat(pool.length - 1), fc.nat(pool.length - 1)), async ([i, j, k]) => {
        const left = o.chain(o.chain(pool[i](), pool[j]()), pool[k]());
        const right = o.chain(pool[i](), o.chain(pool[j](), pool[k]()));
        assert.equal(await sameTrajectory(rt, left, right, sh, randomTensors(sh, 5), grads), undefined);
      }),
      propertyParams(12),
    );
  });
});

describe('schedules', () => {
  it('warmup never decreases, decay never increases, never negative, exact at the boundaries', () => {
    fc.assert(fc.property(arbWarmupDecay, (c) => assert.deepEqual(warmupDecayLaws(c), [])), propertyParams(200));
  });

  it('inside a compiled step a schedule gives the host values (f32)', async () => {
    const sched = o.joinSchedules([o.linearWarmupDecay({ peak: 0.5, warmup: 3, total: 10 }), o.stepDecay({ init: 0.2, every: 2, factor: 0.5 }), o.exponentialDecay({ init: 0.1, rate: 0.9 })], [10, 16]);
    const sh = { w: [1] };
    const steps = 24;
    const states = await trajectory(rt, o.sgd(sched), sh, zeros(sh), Array.from({ length: steps }, () => ({ w: Float32Array.of(1) })));
    for (let t = 0; t < steps; t++) {
      const used = states[t].params.w[0] - states[t + 1].params.w[0];
      const want = o.lrAt(sched, t);
      assert.ok(Math.abs(used - want) <= 1e-6 * Math.max(1, Math.abs(states[t].params.w[0])) + 1e-7, `step ${t}: lr ${used} vs host ${want}`);
    }
  });
});

describe('Fisher mask', () => {
  it('the percentile threshold equals a sorting oracle (numpy linear interpolation)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { minLength: 1, maxLength: 60 }), fc.double({ min: 0, max: 100, noNaN: true }), (xs, q) => {
        // oracle: the k-th smallest by repeated minimum, then numpy's formula
        const kth = (k: number) => {
          const rest = [...xs];
          let v = 0;
          for (let i = 0; i <= k; i++) {
            const j = rest.indexOf(Math.min(...rest));
            v = rest.splice(j, 1)[0];
          }
          return v;
        };
        const pos = (q / 100) * (xs.length - 1);
        const want = kth(Math.floor(pos)) + (kth(Math.ceil(pos)) - kth(Math.floor(pos))) * (pos - Math.floor(pos));
        assert.equal(o.percentile(xs, q), want);
      }),
      propertyParams(200),
    );
  });

  it('one global threshold, ties kept, kept fraction reported', () => {
    const m = o.fisherMask({ 'layer.0.w': [0, 0, 0, 0, 5, 6], 'layer.1.w': [0, 0, 7, 8] }, 0.3);
    // 10 scores, 70th percentile at rank 6.3 of [0,0,0,0,0,0,5,6,7,8]: 5 + 0.3 * (6 - 5) = 5.3
    assert.ok(Math.abs(m.threshold - 5.3) < 1e-12);
    assert.deepEqual(Array.from(m.masks['layer.0.w']), [0, 0, 0, 0, 0, 1]);
    assert.deepEqual(Array.from(m.masks['layer.1.w']), [0, 0, 1, 1]);
    assert.equal(m.keptFraction, 0.3);
    const ties = o.fisherMask({ 'layer.w': [0, 0, 0, 0, 0, 0, 0, 0, 1, 2] }, 0.3);
    assert.equal(ties.threshold, 0);
    assert.equal(ties.keptFraction, 1, 'every zero ties with the threshold and is kept');
  });

  it('warns when the selection matches nothing', () => {
    assert.match(o.fisherSelection(['h.0.attn.c_attn.weight', 'wte.weight']).warning ?? '', /matched none of the 2 parameters/);
    assert.deepEqual(o.fisherSelection(['bert.encoder.layer.0.w', 'cls.w']).selected, ['bert.encoder.layer.0.w']);
  });

  it('the accumulator clips each gradient on its own, squares and averages', async () => {
    const prog = E.getOrElseW((e: Error) => assert.fail(e.message))(o.fisherAccumulator({ 'layer.a': [2], 'layer.b': [2] }, { maxGradNorm: 1, batches: 4 }));
    const { interpret } = await import('../../src/dsl/index.js');
    const out = E.getOrElseW((e: Error) => assert.fail(e.message))(interpret(prog, { 'score:layer.a': [1, 1], 'grad:layer.a': [3, 4], 'score:layer.b': [0, 0], 'grad:layer.b': [0.3, 0.4] }));
    // ‖(3,4)‖ = 5 clips to (0.6, 0.8) (up to the 1e-6 guard); (0.3, 0.4) has norm 0.5 and stays
    const c = 1 / (5 + 1e-6);
    assert.ok(Math.abs(out['score:layer.a'][0] - (1 + (3 * c) ** 2 / 4)) < 1e-12);
    assert.ok(Math.abs(out['score:layer.b'][1] - 0.16 / 4) < 1e-12);
  });
});
