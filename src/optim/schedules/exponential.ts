// optax's exponential_decay (growth too, staircase, end value as bound) and warmup_exponential_decay_schedule;
// graft's earlier exponentialDecay({ init, rate, every }) and stepDecay are the same function.
import type { Schedule } from './scalar.js';
import { schedule } from './scalar.js';
import { holding } from './constant.js';
import { join } from './join.js';
import { polynomial } from './polynomial.js';
import { checkHyper, finite, nonNegative, positive, positiveSteps, stepCount, wholeSteps } from './args.js';

export interface ExponentialDecayOptions {
  readonly initValue: number;
  /** Steps per factor of decayRate; <= 0 holds initValue for ever (optax). */
  readonly transitionSteps: number;
  /** Above 1 the schedule grows; 0 holds initValue for ever (optax). */
  readonly decayRate: number;
  /** Steps held at initValue first; a negative value counts as 0 (optax). */
  readonly transitionBegin?: number;
  /** Whole factors only: decayRate^floor((t − begin)/steps). */
  readonly staircase?: boolean;
  /** A lower bound when decayRate < 1, an upper bound otherwise. */
  readonly endValue?: number;
}

/** graft's first form: init·rate^(t/every), rate in (0, 1]. */
export interface RateEveryOptions {
  readonly init: number;
  readonly rate: number;
  readonly every?: number;
}

const problems = (o: ExponentialDecayOptions, initName = 'initValue') => [
  finite(initName, o.initValue),
  wholeSteps('transitionSteps', o.transitionSteps),
  // a negative rate has no real power between whole steps (optax gives NaN there)
  nonNegative('decayRate', o.decayRate),
  wholeSteps('transitionBegin', o.transitionBegin ?? 0),
  o.endValue !== undefined && finite('endValue', o.endValue),
];

/** init·rate^p for t > begin with p = (t − begin)/steps (floored for a staircase), clipped at endValue; without checks. */
const exponential = (name: string, o: ExponentialDecayOptions): Schedule => {
  const { initValue: init, transitionSteps: steps, decayRate: rate, endValue: end } = o;
  if (steps <= 0 || rate === 0) return holding(`${name} (${steps <= 0 ? 'no transition' : 'rate 0'}: constant)`, init);
  const begin = Math.max(0, o.transitionBegin ?? 0);
  return schedule(name, (s, t) => {
    const since = s.sub(t, s.c(begin));
    const p = o.staircase ? s.floor(s.div(since, s.c(steps))) : s.div(since, s.c(steps));
    const value = s.ifLess(s.c(0), since, s.mul(s.c(init), s.pow(s.c(rate), p)), s.c(init));
    return end === undefined ? value : rate < 1 ? s.max(value, s.c(end)) : s.min(value, s.c(end));
  });
};

const describe = (o: ExponentialDecayOptions) =>
  `${o.initValue}, x${o.decayRate} per ${o.transitionSteps}${o.staircase ? ' (staircase)' : ''} from ${o.transitionBegin ?? 0}${o.endValue === undefined ? '' : `, bound ${o.endValue}`}`;

/** optax's exponential_decay; also takes graft's first form `{ init, rate, every }`. */
export const exponentialDecay = (o: ExponentialDecayOptions | RateEveryOptions): Schedule => {
  if ('decayRate' in o) {
    checkHyper('exponentialDecay', problems(o));
    return exponential(`exponentialDecay(${describe(o)})`, o);
  }
  const every = o.every ?? 1;
  checkHyper('exponentialDecay', [nonNegative('init', o.init), !(o.rate > 0 && o.rate <= 1) && `rate ${o.rate} must lie in (0, 1]`, positive('every', every)]);
  return exponential(`exponentialDecay(${o.init}, x${o.rate} per ${every})`, { initValue: o.init, transitionSteps: every, decayRate: o.rate });
};

/** init · factor^floor(t / every): exponentialDecay's staircase in graft's first form. */
export const stepDecay = (o: { readonly init: number; readonly every: number; readonly factor: number }): Schedule => {
  checkHyper('stepDecay', [nonNegative('init', o.init), positiveSteps('every', o.every), !(o.factor > 0 && o.factor <= 1) && `factor ${o.factor} must lie in (0, 1]`]);
  return exponential(`stepDecay(${o.init}, every ${o.every}, x${o.factor})`, { initValue: o.init, transitionSteps: o.every, decayRate: o.factor, staircase: true });
};

/** initValue is where the warmup starts; the decay starts from peakValue. */
export interface WarmupExponentialDecayOptions extends ExponentialDecayOptions {
  readonly peakValue: number;
  readonly warmupSteps: number;
}

/** optax's warmup_exponential_decay_schedule: linear from init to peak, then exponentialDecay from peak. */
export const warmupExponentialDecaySchedule = (o: WarmupExponentialDecayOptions): Schedule => {
  const decay: ExponentialDecayOptions = { ...o, initValue: o.peakValue };
  checkHyper('warmupExponentialDecaySchedule', [finite('initValue', o.initValue), stepCount('warmupSteps', o.warmupSteps), ...problems(decay, 'peakValue')]);
  const name = `warmupExponentialDecay(${o.initValue} to ${o.peakValue} over ${o.warmupSteps}, then ${describe(decay)})`;
  const warmup = polynomial(`${name} warmup`, { initValue: o.initValue, endValue: o.peakValue, power: 1, transitionSteps: o.warmupSteps });
  return join(name, [warmup, exponential(`${name} decay`, decay)], [o.warmupSteps]);
};
