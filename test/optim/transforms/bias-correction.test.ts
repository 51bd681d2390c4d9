import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as g from '../../../src/dsl/index.js';
import { compile } from '../../../src/compiler/index.js';
import * as o from '../../../src/optim/index.js';
import type { Transform } from '../../../src/optim/index.js';
import { biasCorrectionAt, emaWeight } from '../../../src/optim/transforms/bias-correction.js';
import { compiledTrajectory } from '../compiled-trajectory.js';
import type { Trajectory } from '../reference.js';
import { childTuningAdamWRef, maxRelError, torchAdamW } from '../reference.js';
import { BACKENDS, right, useRuntimes } from '../../nn/harness.js';

// Constant gradient 1, parameters reset to 0 before every step: each step's Δp is the update itself (0 + u is exact in
// f32; PyTorch's decay acts on 0, Hugging Face's on the update, as in the references), compared with float64 at every
// step (relative to the largest element of the update). PyTorch takes 1 − β^t in double.
const STEPS = 2000;
const TOL = 1e-6;
const SHAPES = { w: [16] };
const zero = { w: new Float32Array(16) };
const ones = Array.from({ length: STEPS }, () => ({ w: new Float32Array(16).fill(1) }));
// mode D keeps each masked gradient constant (0 or 1); mode F's random mask would measure f32 moment rounding instead
const masks = { w: Float32Array.from({ length: 16 }, (_, i) => i % 2) };
const hf = { lr: 1e-3, b1: 0.9, b2: 0.999, eps: 1e-6, wd: 0.01, correctBias: true };

const CASES: Array<{ name: string; compiled: () => Transform<any>; reference: () => Trajectory }> = [
  { name: 'adamw', compiled: () => o.adamw(1e-3, { weightDecay: 0.01 }), reference: () => torchAdamW(zero, ones, { lr: 1e-3, b1: 0.9, b2: 0.999, eps: 1e-8, wd: 0.01 }, { reset: true }) },
  { name: 'hfAdamW', compiled: () => o.hfAdamW(1e-3, { weightDecay: 0.01 }), reference: () => childTuningAdamWRef(zero, ones, { ...hf, reserveP: 1 }, { reset: true }) },
  { name: 'childTuningAdamW, mode D', compiled: () => o.childTuningAdamW(1e-3, { weightDecay: 0.01, mode: 'D', masks }), reference: () => childTuningAdamWRef(zero, ones, { ...hf, reserveP: 0.5, mode: 'D', masks }, { reset: true }) },
];

describe('Adam bias correction: updates agree with float64 at every step', () => {
  const rts = useRuntimes();

  for (const c of CASES) {
    for (const [b, backend] of BACKENDS.entries()) {
      it(`${c.name} on ${backend}: b2 = 0.999, steps 1 to ${STEPS}, relative error <= ${TOL}`, async () => {
        const want = c.reference().deltas;
        const got = await compiledTrajectory(rts[b], c.compiled(), SHAPES, zero, ones, true);
        let worst = { err: 0, step: 0 };
        got.deltas.forEach((d, i) => {
          const err = maxRelError(d, want[i]);
          if (!(err <= worst.err)) worst = { err, step: i + 1 };
        });
        assert.ok(worst.err <= TOL, `relative error ${worst.err.toExponential(2)} at step ${worst.step}`);
      });
    }
  }
});

describe('biasCorrectionAt', () => {
  const rts = useRuntimes();
  // 1 − (1 − w)^t in float64 for the weight the moving average uses: the series' range, both sides of its edge at
  // t·ln(1 − w) = −1/2 (β = 0.999: t = 499 and 500), and far beyond
  const ts = [1, 2, 3, 10, 100, 499, 500, 693, 694, 1000, 5000, 100_000, 1_000_000];
  for (const [b, backend] of BACKENDS.entries()) {
    it(`on ${backend}: matches float64 to 2e-7 relative from t = 1 to 10^6, for β from 0.5 to 0.99999`, async () => {
      for (const beta of [0.5, 0.9, 0.98, 0.999, 0.9999, 0.99999]) {
        const prog = right(g.program({ t: [ts.length] }, ({ t }) => ({ bc: biasCorrectionAt(emaWeight(beta), t) })));
        const exe = rts[b].load(compile(prog));
        const out = right(await exe.run({ t: Float32Array.from(ts) })).bc;
        exe.destroy();
        ts.forEach((step, i) => {
          const want = 1 - (1 - emaWeight(beta)) ** step;
          assert.ok(Math.abs(out[i] - want) <= 2e-7 * want, `beta ${beta}, t ${step}: ${out[i]} vs ${want}`);
        });
      }
    });
  }
});
