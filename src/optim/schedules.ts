// Learning-rate schedules: pure functions of the number of completed steps, written once over a
// scalar algebra so the same definition runs on the host (numbers) and inside compiled steps (tensors).
import type { Tensor } from '../dsl/index.js';
import * as g from '../dsl/index.js';
import { BuildError } from '../dsl/index.js';

export interface Scalar<T> {
  c(n: number): T;
  add(a: T, b: T): T;
  sub(a: T, b: T): T;
  mul(a: T, b: T): T;
  div(a: T, b: T): T;
  min(a: T, b: T): T;
  max(a: T, b: T): T;
  pow(a: T, b: T): T;
  cos(a: T): T;
  floor(a: T): T;
  /** a < b ? x : y */
  ifLess(a: T, b: T, x: T, y: T): T;
}

export const numberScalar: Scalar<number> = {
  c: (n) => n,
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  min: Math.min,
  max: Math.max,
  pow: Math.pow,
  cos: Math.cos,
  floor: Math.floor,
  ifLess: (a, b, x, y) => (a < b ? x : y),
};

export const tensorScalar: Scalar<Tensor> = {
  c: (n) => g.scalar(n),
  add: (a, b) => g.add(a, b),
  sub: (a, b) => g.sub(a, b),
  mul: (a, b) => g.mul(a, b),
  div: (a, b) => g.div(a, b),
  min: (a, b) => g.minimum(a, b),
  max: (a, b) => g.maximum(a, b),
  pow: (a, b) => g.pow(a, b),
  cos: g.cos,
  floor: g.floor,
  ifLess: (a, b, x, y) => g.where(g.lt(a, b), x, y),
};

/** step (completed steps, from 0) -> learning rate, over any scalar algebra. */
export interface Schedule {
  readonly name: string;
  <T>(s: Scalar<T>, step: T): T;
}

// a function's own `name` is read-only but configurable
const schedule = (name: string, f: <T>(s: Scalar<T>, step: T) => T): Schedule => Object.defineProperty(f, 'name', { value: name }) as unknown as Schedule;

/** The learning rate at `step` on the host. */
export const lrAt = (sched: Schedule, step: number): number => sched(numberScalar, step);

const check = (op: string, problems: Array<string | boolean>) => {
  const bad = problems.filter((p): p is string => typeof p === 'string');
  if (bad.length) throw new BuildError('bad-argument', op, bad.join('; '));
};
const nonNegative = (name: string, v: number) => (Number.isFinite(v) && v >= 0) || `${name} ${v} must be a finite number >= 0`;
const stepCount = (name: string, v: number) => (Number.isInteger(v) && v >= 0) || `${name} ${v} must be a whole number of steps >= 0`;

export const constantSchedule = (lr: number): Schedule => {
  check('constantSchedule', [nonNegative('lr', lr)]);
  return schedule(`constant(${lr})`, (s) => s.c(lr));
};

export interface WarmupOptions {
  readonly peak: number;
  readonly total: number;
  /** Warmup steps, or a fraction of `total` (rounded up, as Hugging Face does). */
  readonly warmup?: number;
  readonly warmupRatio?: number;
}

const warmupSteps = (op: string, o: WarmupOptions): number => {
  check(op, [
    nonNegative('peak', o.peak),
    stepCount('total', o.total),
    o.warmup !== undefined && o.warmupRatio !== undefined && 'give warmup or warmupRatio, not both',
    o.warmup !== undefined && stepCount('warmup', o.warmup),
    o.warmupRatio !== undefined && !(o.warmupRatio >= 0 && o.warmupRatio <= 1) && `warmupRatio ${o.warmupRatio} must lie in [0, 1]`,
    o.warmup !== undefined && o.warmup > o.total && `warmup ${o.warmup} exceeds total ${o.total}`,
  ]);
  return o.warmup ?? Math.ceil((o.warmupRatio ?? 0) * o.total);
};

/** lr(t) = peak·t/w for t < w, else peak·max(0, (total − t)/(total − w)) (fine-tuning-practice.md). */
export const linearWarmupDecay = (o: WarmupOptions): Schedule => {
  const w = warmupSteps('linearWarmupDecay', o);
  return schedule(`linearWarmupDecay(peak ${o.peak}, warmup ${w}, total ${o.total})`, (s, t) =>
    s.mul(s.c(o.peak), s.ifLess(t, s.c(w), s.div(t, s.c(Math.max(1, w))), s.max(s.c(0), s.div(s.sub(s.c(o.total), t), s.c(Math.max(1, o.total - w)))))),
  );
};

/** Linear warmup, then half a cosine from peak down to `final` at `total` (Hugging Face's cosine schedule). */
export const cosineWarmupDecay = (o: WarmupOptions & { readonly final?: number }): Schedule => {
  const w = warmupSteps('cosineWarmupDecay', o);
  const final = o.final ?? 0;
  check('cosineWarmupDecay', [nonNegative('final', final), final > o.peak && `final ${final} exceeds peak ${o.peak}`]);
  return schedule(`cosineWarmupDecay(peak ${o.peak}, warmup ${w}, total ${o.total}, final ${final})`, (s, t) => {
    // progress reaches 1 at `total` even when warmup fills it, so lr(total) = final as for linear decay
    const progress = s.ifLess(t, s.c(o.total), s.div(s.sub(t, s.c(w)), s.c(Math.max(1, o.total - w))), s.c(1));
    const decay = s.add(s.c(final), s.mul(s.c((o.peak - final) / 2), s.add(s.c(1), s.cos(s.mul(s.c(Math.PI), progress)))));
    return s.ifLess(t, s.c(w), s.mul(s.c(o.peak), s.div(t, s.c(Math.max(1, w)))), decay);
  });
};

/** init · factor^floor(t / every): staircase decay. */
export const stepDecay = (o: { readonly init: number; readonly every: number; readonly factor: number }): Schedule => {
  check('stepDecay', [nonNegative('init', o.init), !(Number.isInteger(o.every) && o.every > 0) && `every ${o.every} must be a whole number of steps > 0`, !(o.factor > 0 && o.factor <= 1) && `factor ${o.factor} must lie in (0, 1]`]);
  return schedule(`stepDecay(${o.init}, every ${o.every}, x${o.factor})`, (s, t) => s.mul(s.c(o.init), s.pow(s.c(o.factor), s.floor(s.div(t, s.c(o.every))))));
};

/** init · rate^(t / every): smooth exponential decay. */
export const exponentialDecay = (o: { readonly init: number; readonly rate: number; readonly every?: number }): Schedule => {
  const every = o.every ?? 1;
  check('exponentialDecay', [nonNegative('init', o.init), !(o.rate > 0 && o.rate <= 1) && `rate ${o.rate} must lie in (0, 1]`, !(every > 0) && `every ${every} must be > 0`]);
  return schedule(`exponentialDecay(${o.init}, x${o.rate} per ${every})`, (s, t) => s.mul(s.c(o.init), s.pow(s.c(o.rate), s.div(t, s.c(every)))));
};

/** init, multiplied by scales[k] from boundaries[k] on (optax's piecewise_constant_schedule). */
export const piecewiseConstant = (o: { readonly init: number; readonly boundaries: readonly number[]; readonly scales: readonly number[] }): Schedule => {
  check('piecewiseConstant', [
    nonNegative('init', o.init),
    o.boundaries.length !== o.scales.length && `${o.boundaries.length} boundaries but ${o.scales.length} scales`,
    !o.boundaries.every((b, k) => Number.isInteger(b) && b >= 0 && (k === 0 || b > o.boundaries[k - 1])) && `boundaries [${o.boundaries}] must be increasing whole steps`,
    !o.scales.every((x) => x >= 0 && Number.isFinite(x)) && `scales [${o.scales}] must be finite and >= 0`,
  ]);
  return schedule(`piecewiseConstant(${o.init})`, (s, t) => {
    let lr = s.c(o.init);
    let value = o.init;
    for (let k = 0; k < o.boundaries.length; k++) {
      value *= o.scales[k];
      lr = s.ifLess(t, s.c(o.boundaries[k]), lr, s.c(value));
    }
    return lr;
  });
};

/** schedules[k] runs from boundaries[k-1], restarted at 0 (optax's join_schedules). */
export const joinSchedules = (schedules: readonly Schedule[], boundaries: readonly number[]): Schedule => {
  check('joinSchedules', [
    schedules.length !== boundaries.length + 1 && `${schedules.length} schedules need ${schedules.length - 1} boundaries, got ${boundaries.length}`,
    !boundaries.every((b, k) => Number.isInteger(b) && b >= 0 && (k === 0 || b > boundaries[k - 1])) && `boundaries [${boundaries}] must be increasing whole steps`,
  ]);
  return schedule(`join(${schedules.map((x) => x.name).join(', ')})`, (s, t) => {
    let lr = schedules[0](s, t);
    for (let k = 0; k < boundaries.length; k++) lr = s.ifLess(t, s.c(boundaries[k]), lr, schedules[k + 1](s, s.sub(t, s.c(boundaries[k]))));
    return lr;
  });
};

export type LearningRate = number | Schedule;
export const asSchedule = (lr: LearningRate): Schedule => (typeof lr === 'number' ? constantSchedule(lr) : lr);
