// optax's polynomial_schedule and what it builds: linear_schedule and warmup_constant_schedule.
import type { Schedule } from './scalar.js';
import { powNonNegative, schedule } from './scalar.js';
import { holding } from './constant.js';
import { checkHyper, finite, nonNegative, stepCount, wholeSteps } from './args.js';

export interface PolynomialOptions {
  readonly initValue: number;
  readonly endValue: number;
  readonly power: number;
  /** Steps from init to end; <= 0 holds initValue for ever (optax). */
  readonly transitionSteps: number;
  /** Steps held at initValue first; a negative value counts as 0 (optax). */
  readonly transitionBegin?: number;
}
export type LinearOptions = Omit<PolynomialOptions, 'power'>;

export const polynomialProblems = (o: PolynomialOptions) => [
  finite('initValue', o.initValue),
  finite('endValue', o.endValue),
  // a negative power sends the last step to infinity
  nonNegative('power', o.power),
  wholeSteps('transitionSteps', o.transitionSteps),
  wholeSteps('transitionBegin', o.transitionBegin ?? 0),
];

/** (init − end)·(1 − clip(t − begin, 0, steps)/steps)^power + end, without checks. */
export const polynomial = (name: string, o: PolynomialOptions): Schedule => {
  const { initValue: init, endValue: end, power, transitionSteps: steps } = o;
  if (steps <= 0) return holding(`${name} (no transition: constant)`, init);
  const begin = Math.max(0, o.transitionBegin ?? 0);
  return schedule(name, (s, t) => {
    const done = s.min(s.max(s.sub(t, s.c(begin)), s.c(0)), s.c(steps));
    const frac = s.sub(s.c(1), s.div(done, s.c(steps)));
    return s.add(s.mul(s.c(init - end), powNonNegative(s, frac, power)), s.c(end));
  });
};

const describe = (o: PolynomialOptions) => `${o.initValue} to ${o.endValue} over ${o.transitionSteps} from ${o.transitionBegin ?? 0}`;

/** optax's polynomial_schedule. */
export const polynomialSchedule = (o: PolynomialOptions): Schedule => {
  checkHyper('polynomialSchedule', polynomialProblems(o));
  return polynomial(`polynomial(${describe(o)}, power ${o.power})`, o);
};

/** optax's linear_schedule: the polynomial of power 1. */
export const linearSchedule = (o: LinearOptions): Schedule => {
  const p = { ...o, power: 1 };
  checkHyper('linearSchedule', polynomialProblems(p));
  return polynomial(`linear(${describe(p)})`, p);
};

export interface WarmupConstantOptions {
  readonly initValue: number;
  readonly peakValue: number;
  /** 0 holds initValue for ever, as optax's linear part does. */
  readonly warmupSteps: number;
}

/** optax's warmup_constant_schedule: linear from init to peak over warmupSteps, then peak. */
export const warmupConstantSchedule = (o: WarmupConstantOptions): Schedule => {
  checkHyper('warmupConstantSchedule', [finite('initValue', o.initValue), finite('peakValue', o.peakValue), stepCount('warmupSteps', o.warmupSteps)]);
  return polynomial(`warmupConstant(${o.initValue} to ${o.peakValue} over ${o.warmupSteps})`, { initValue: o.initValue, endValue: o.peakValue, power: 1, transitionSteps: o.warmupSteps });
};
