// optax's cosine_decay_schedule, warmup_cosine_decay_schedule and sgdr_schedule (warm restarts).
import type { Schedule } from './scalar.js';
import { powNonNegative, schedule } from './scalar.js';
import { join } from './join.js';
import { polynomial } from './polynomial.js';
import { checkHyper, finite, nonNegative, positiveSteps, stepCount, under } from './args.js';

export interface CosineDecayOptions {
  readonly initValue: number;
  /** Must be > 0 (optax raises otherwise). */
  readonly decaySteps: number;
  /** The multiplier the decay ends at (any value, as in optax). */
  readonly alpha?: number;
  readonly exponent?: number;
}

const cosineProblems = (o: CosineDecayOptions) => [
  finite('initValue', o.initValue),
  positiveSteps('decaySteps', o.decaySteps),
  finite('alpha', o.alpha ?? 0),
  // a negative exponent sends the last step to infinity
  nonNegative('exponent', o.exponent ?? 1),
];

/** init·((1 − alpha)·(½(1 + cos(π·min(t, steps)/steps)))^exponent + alpha), without checks. */
const cosine = (name: string, o: CosineDecayOptions): Schedule => {
  const { initValue: init, decaySteps: steps } = o;
  const alpha = o.alpha ?? 0;
  return schedule(name, (s, t) => {
    const half = s.mul(s.c(0.5), s.add(s.c(1), s.cos(s.div(s.mul(s.c(Math.PI), s.min(t, s.c(steps))), s.c(steps)))));
    return s.mul(s.c(init), s.add(s.mul(s.c(1 - alpha), powNonNegative(s, half, o.exponent ?? 1)), s.c(alpha)));
  });
};

/** optax's cosine_decay_schedule. */
export const cosineDecaySchedule = (o: CosineDecayOptions): Schedule => {
  checkHyper('cosineDecaySchedule', cosineProblems(o));
  return cosine(`cosineDecay(${o.initValue} over ${o.decaySteps}, alpha ${o.alpha ?? 0}, exponent ${o.exponent ?? 1})`, o);
};

export interface WarmupCosineDecayOptions {
  readonly initValue: number;
  readonly peakValue: number;
  readonly warmupSteps: number;
  /** Total length, warmup included: must exceed warmupSteps (optax raises otherwise). */
  readonly decaySteps: number;
  readonly endValue?: number;
  readonly exponent?: number;
}

const warmupCosineProblems = (o: WarmupCosineDecayOptions) => [
  finite('initValue', o.initValue),
  finite('peakValue', o.peakValue),
  finite('endValue', o.endValue ?? 0),
  stepCount('warmupSteps', o.warmupSteps),
  !(Number.isInteger(o.decaySteps) && o.decaySteps > o.warmupSteps) && `decaySteps ${o.decaySteps} must be a whole number of steps > warmupSteps ${o.warmupSteps}`,
  nonNegative('exponent', o.exponent ?? 1),
];

const warmupCosine = (o: WarmupCosineDecayOptions): Schedule => {
  const end = o.endValue ?? 0;
  const name = `warmupCosineDecay(${o.initValue} to ${o.peakValue} over ${o.warmupSteps}, to ${end} at ${o.decaySteps}, exponent ${o.exponent ?? 1})`;
  const warmup = polynomial(`${name} warmup`, { initValue: o.initValue, endValue: o.peakValue, power: 1, transitionSteps: o.warmupSteps });
  // optax: alpha = end/peak, or 0 for a zero peak (the decay is then 0 whatever the end)
  const decay = cosine(`${name} decay`, { initValue: o.peakValue, decaySteps: o.decaySteps - o.warmupSteps, alpha: o.peakValue === 0 ? 0 : end / o.peakValue, exponent: o.exponent });
  return join(name, [warmup, decay], [o.warmupSteps]);
};

/** optax's warmup_cosine_decay_schedule: linear from init to peak, then cosine from peak to end at decaySteps. */
export const warmupCosineDecaySchedule = (o: WarmupCosineDecayOptions): Schedule => {
  checkHyper('warmupCosineDecaySchedule', warmupCosineProblems(o));
  return warmupCosine(o);
};

/** optax's sgdr_schedule: warmup-cosine periods one after another, each restarting at its own step 0. */
export const sgdrSchedule = (cosineKwargs: readonly WarmupCosineDecayOptions[]): Schedule => {
  checkHyper('sgdrSchedule', [cosineKwargs.length === 0 && 'cosineKwargs must hold at least one period', ...cosineKwargs.flatMap((o, k) => under(`cosineKwargs[${k}]`, warmupCosineProblems(o)))]);
  const ends = cosineKwargs.map((_, k) => cosineKwargs.slice(0, k + 1).reduce((a, o) => a + o.decaySteps, 0));
  return join(`sgdr(${cosineKwargs.length} periods)`, cosineKwargs.map(warmupCosine), ends.slice(0, -1));
};
