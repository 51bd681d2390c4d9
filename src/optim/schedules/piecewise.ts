// optax's piecewise_constant_schedule and piecewise_interpolate_schedule: values scaled at boundaries,
// held (constant) or reached by a linear or half-cosine ramp across each interval (interpolate).
import type { Scalar, Schedule } from './scalar.js';
import { schedule } from './scalar.js';
import { checkHyper, finite, increasingSteps } from './args.js';

/** optax's `{ step: scale }`; a JS object keeps whole-number keys in increasing order. */
export type BoundariesAndScales = Readonly<Record<number, number>>;

const entriesOf = (bs: BoundariesAndScales | undefined) =>
  Object.entries(bs ?? {})
    .map(([k, v]) => [Number(k), v] as const)
    .sort((a, b) => a[0] - b[0]);

const scalesProblems = (name: string, scales: readonly number[]) =>
  // optax raises for a negative scale
  scales.every((x) => Number.isFinite(x) && x >= 0) || `${name} [${scales}] must be finite and >= 0`;

const mapProblems = (bs: BoundariesAndScales | undefined) => {
  const entries = entriesOf(bs);
  return [increasingSteps('boundariesAndScales steps', entries.map((e) => e[0])), scalesProblems('boundariesAndScales scales', entries.map((e) => e[1]))];
};

/** init, times scales[k] from boundaries[k] on, without checks. */
const stepped = (name: string, init: number, boundaries: readonly number[], scales: readonly number[]): Schedule =>
  schedule(name, (s, t) => {
    let lr = s.c(init);
    let value = init;
    for (let k = 0; k < boundaries.length; k++) {
      value *= scales[k];
      lr = s.ifLess(t, s.c(boundaries[k]), lr, s.c(value));
    }
    return lr;
  });

/** init, multiplied by scales[k] from boundaries[k] on: graft's first form of piecewiseConstantSchedule. */
export const piecewiseConstant = (o: { readonly init: number; readonly boundaries: readonly number[]; readonly scales: readonly number[] }): Schedule => {
  checkHyper('piecewiseConstant', [
    finite('init', o.init),
    o.boundaries.length !== o.scales.length && `${o.boundaries.length} boundaries but ${o.scales.length} scales`,
    increasingSteps('boundaries', o.boundaries),
    scalesProblems('scales', o.scales),
  ]);
  return stepped(`piecewiseConstant(${o.init})`, o.init, o.boundaries, o.scales);
};

/** optax's piecewise_constant_schedule. */
export const piecewiseConstantSchedule = (o: { readonly initValue: number; readonly boundariesAndScales?: BoundariesAndScales }): Schedule => {
  checkHyper('piecewiseConstantSchedule', [finite('initValue', o.initValue), ...mapProblems(o.boundariesAndScales)]);
  const entries = entriesOf(o.boundariesAndScales);
  return stepped(`piecewiseConstant(${o.initValue})`, o.initValue, entries.map((e) => e[0]), entries.map((e) => e[1]));
};

export type InterpolateType = 'linear' | 'cosine';
type Ramp = <T>(s: Scalar<T>, start: number, end: number, pct: T) => T;
const RAMPS: Record<InterpolateType, Ramp> = {
  linear: (s, start, end, pct) => s.add(s.mul(s.c(end - start), pct), s.c(start)),
  cosine: (s, start, end, pct) => s.add(s.c(end), s.mul(s.c((start - end) / 2), s.add(s.cos(s.mul(s.c(Math.PI), pct)), s.c(1)))),
};

/** From bounds[k] to bounds[k+1] (bounds = [0, ...boundaries]) ramp between the running products of scales; without checks. */
export const interpolated = (name: string, type: InterpolateType, init: number, boundaries: readonly number[], scales: readonly number[]): Schedule => {
  const bounds = [0, ...boundaries];
  const values = scales.reduce((vs, x) => [...vs, vs[vs.length - 1] * x], [init]);
  return schedule(name, (s, t) => {
    // the first interval whose end lies past t holds t (steps are >= 0 = bounds[0])
    let lr = s.c(values[values.length - 1]);
    for (let k = bounds.length - 2; k >= 0; k--) {
      const pct = s.div(s.sub(t, s.c(bounds[k])), s.c(Math.max(bounds[k + 1] - bounds[k], 1)));
      lr = s.ifLess(t, s.c(bounds[k + 1]), RAMPS[type](s, values[k], values[k + 1], pct), lr);
    }
    return lr;
  });
};

/** optax's piecewise_interpolate_schedule. */
export const piecewiseInterpolateSchedule = (o: { readonly interpolateType: InterpolateType; readonly initValue: number; readonly boundariesAndScales?: BoundariesAndScales }): Schedule => {
  checkHyper('piecewiseInterpolateSchedule', [
    !(o.interpolateType in RAMPS) && `interpolateType '${o.interpolateType}' must be 'linear' or 'cosine'`,
    finite('initValue', o.initValue),
    ...mapProblems(o.boundariesAndScales),
  ]);
  const entries = entriesOf(o.boundariesAndScales);
  return interpolated(`piecewiseInterpolate(${o.interpolateType}, ${o.initValue})`, o.interpolateType, o.initValue, entries.map((e) => e[0]), entries.map((e) => e[1]));
};
