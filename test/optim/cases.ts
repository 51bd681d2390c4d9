// The parity scenario: parameters, 200 steps of gradients, a mode-D mask, and each optimizer two ways.
import * as o from '../../src/optim/index.js';
import type { Transform } from '../../src/optim/index.js';
import type { Trajectory, TrajectoryOptions } from './reference.js';
import { childTuningAdamWRef, randomTensors, torchAdamW } from './reference.js';

export const SHAPES = { 'encoder.layer.0.dense.weight': [8, 6], 'encoder.layer.0.dense.bias': [6], 'encoder.LayerNorm.weight': [6], 'classifier.weight': [6, 3] };
export const STEPS = 200;
export const params0 = randomTensors(SHAPES, 1);
// updates are compared from these, reset before every step: an f32 parameter near 1 rounds its step by up to 6e-8,
// ~1e-5 of an update of 1e-2, which would hide an error of that size; near 0.01 the rounding is 100 times smaller
export const updateParams0 = randomTensors(SHAPES, 1, 0.01);
// the classifier's gradients are tiny (~1e-5), so where eps is added changes its steps by percents
export const grads = Array.from({ length: STEPS }, (_, s) => {
  const gs = randomTensors(SHAPES, 1000 + s, 0.5);
  return { ...gs, 'classifier.weight': gs['classifier.weight'].map((x) => x * 4e-5) };
});
export const masks = { 'encoder.layer.0.dense.weight': Float32Array.from(randomTensors({ m: [48] }, 7).m, (x) => +(x > 0.2)) };

export const CASES: Array<{ name: string; compiled: () => Transform<any>; reference: (p0?: Record<string, Float32Array>, o?: TrajectoryOptions) => Trajectory }> = [
  {
    name: 'adamw (PyTorch)',
    compiled: () => o.adamw(1e-2, { weightDecay: 0.05 }),
    reference: (p0 = params0, r = {}) => torchAdamW(p0, grads, { lr: 1e-2, b1: 0.9, b2: 0.999, eps: 1e-8, wd: 0.05 }, r),
  },
  {
    name: 'childTuningAdamW, no mode',
    compiled: () => o.childTuningAdamW(1e-2, { weightDecay: 0.01, eps: 1e-6 }),
    reference: (p0 = params0, r = {}) => childTuningAdamWRef(p0, grads, { lr: 1e-2, b1: 0.9, b2: 0.999, eps: 1e-6, wd: 0.01, correctBias: true, reserveP: 1 }, r),
  },
  {
    name: 'childTuningAdamW, mode D',
    compiled: () => o.childTuningAdamW(1e-2, { weightDecay: 0.01, mode: 'D', masks }),
    reference: (p0 = params0, r = {}) => childTuningAdamWRef(p0, grads, { lr: 1e-2, b1: 0.9, b2: 0.999, eps: 1e-6, wd: 0.01, correctBias: true, reserveP: 0.3, mode: 'D', masks }, r),
  },
  {
    name: 'childTuningAdamW, mode F',
    compiled: () => o.childTuningAdamW(1e-2, { weightDecay: 0.01, mode: 'F', reserveP: 0.3, seed: 17 }),
    reference: (p0 = params0, r = {}) => childTuningAdamWRef(p0, grads, { lr: 1e-2, b1: 0.9, b2: 0.999, eps: 1e-6, wd: 0.01, correctBias: true, reserveP: 0.3, mode: 'F', seed: 17 }, r),
  },
];

