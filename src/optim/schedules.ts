// Learning-rate schedules: pure functions of the number of completed steps, written once over a
// scalar algebra so the same definition runs on the host (numbers) and inside compiled steps (tensors).
// Every optax schedule, with optax's values (test/optim/schedules.test.ts), plus Hugging Face's warmup-decays.
import type { Schedule } from './schedules/scalar.js';
import { constantSchedule } from './schedules/constant.js';

export type { Scalar, Schedule } from './schedules/scalar.js';
export { numberScalar, tensorScalar, lrAt } from './schedules/scalar.js';
export { constantSchedule } from './schedules/constant.js';
export type { PolynomialOptions, LinearOptions, WarmupConstantOptions } from './schedules/polynomial.js';
export { polynomialSchedule, linearSchedule, warmupConstantSchedule } from './schedules/polynomial.js';
export type { ExponentialDecayOptions, RateEveryOptions, WarmupExponentialDecayOptions } from './schedules/exponential.js';
export { exponentialDecay, stepDecay, warmupExponentialDecaySchedule } from './schedules/exponential.js';
export type { CosineDecayOptions, WarmupCosineDecayOptions } from './schedules/cosine.js';
export { cosineDecaySchedule, warmupCosineDecaySchedule, sgdrSchedule } from './schedules/cosine.js';
export type { BoundariesAndScales, InterpolateType } from './schedules/piecewise.js';
export { piecewiseConstant, piecewiseConstantSchedule, piecewiseInterpolateSchedule } from './schedules/piecewise.js';
export type { OnecycleOptions } from './schedules/onecycle.js';
export { linearOnecycleSchedule, cosineOnecycleSchedule } from './schedules/onecycle.js';
export { joinSchedules } from './schedules/join.js';
export type { WarmupOptions } from './schedules/warmup-decay.js';
export { linearWarmupDecay, cosineWarmupDecay } from './schedules/warmup-decay.js';

export type LearningRate = number | Schedule;
export const asSchedule = (lr: LearningRate): Schedule => (typeof lr === 'number' ? constantSchedule(lr) : lr);
