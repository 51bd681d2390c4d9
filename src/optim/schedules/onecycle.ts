// optax's linear_onecycle_schedule and cosine_onecycle_schedule: piecewise interpolations up to a peak and down.
import type { Schedule } from './scalar.js';
import { interpolated } from './piecewise.js';
import { checkHyper, finite, positive, positiveSteps } from './args.js';

export interface OnecycleOptions {
  /** Must be > 0 (optax raises otherwise). */
  readonly transitionSteps: number;
  readonly peakValue: number;
  readonly pctStart?: number;
  readonly divFactor?: number;
  readonly finalDivFactor?: number;
}

const unitFraction = (name: string, v: number) => (v >= 0 && v <= 1) || `${name} ${v} must lie in [0, 1]`;

const problems = (o: OnecycleOptions & { readonly pctFinal?: number }) => [
  positiveSteps('transitionSteps', o.transitionSteps),
  finite('peakValue', o.peakValue),
  unitFraction('pctStart', o.pctStart ?? 0.3),
  o.pctFinal !== undefined && unitFraction('pctFinal', o.pctFinal),
  positive('divFactor', o.divFactor ?? 25),
  positive('finalDivFactor', o.finalDivFactor ?? 1e4),
];

/** optax's `{ int(pct·steps): scale, … }` literal: a later equal step replaces the scale; then in step order. */
const ramp = (name: string, type: 'linear' | 'cosine', init: number, pairs: ReadonlyArray<readonly [number, number]>): Schedule => {
  const byStep = [...new Map(pairs).entries()].sort((a, b) => a[0] - b[0]);
  return interpolated(name, type, init, byStep.map((e) => e[0]), byStep.map((e) => e[1]));
};

/** optax's linear_onecycle_schedule: peak/div up to peak at pctStart, back to peak/div at pctFinal, then down to peak/(div·finalDiv). */
export const linearOnecycleSchedule = (o: OnecycleOptions & { readonly pctFinal?: number }): Schedule => {
  checkHyper('linearOnecycleSchedule', problems(o));
  const { transitionSteps: n, peakValue: peak, pctStart = 0.3, pctFinal = 0.85, divFactor: div = 25, finalDivFactor: finalDiv = 1e4 } = o;
  return ramp(`linearOnecycle(peak ${peak} over ${n})`, 'linear', peak / div, [
    [Math.trunc(pctStart * n), div],
    [Math.trunc(pctFinal * n), 1 / div],
    [n, 1 / finalDiv],
  ]);
};

/** optax's cosine_onecycle_schedule: peak/div up to peak at pctStart, then down to peak/(div·finalDiv), on half cosines. */
export const cosineOnecycleSchedule = (o: OnecycleOptions): Schedule => {
  checkHyper('cosineOnecycleSchedule', problems(o));
  const { transitionSteps: n, peakValue: peak, pctStart = 0.3, divFactor: div = 25, finalDivFactor: finalDiv = 1e4 } = o;
  return ramp(`cosineOnecycle(peak ${peak} over ${n})`, 'cosine', peak / div, [
    [Math.trunc(pctStart * n), div],
    [n, 1 / (div * finalDiv)],
  ]);
};
