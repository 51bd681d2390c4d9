// The scalar algebra schedules are written over: numbers on the host, scalar tensors inside compiled
// steps, so one definition gives both `lrAt` and the in-kernel learning rate.
import type { Tensor } from '../../dsl/index.js';
import * as g from '../../dsl/index.js';

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
export const schedule = (name: string, f: <T>(s: Scalar<T>, step: T) => T): Schedule => Object.defineProperty(f, 'name', { value: name }) as unknown as Schedule;

/** The learning rate at `step` on the host. */
export const lrAt = (sched: Schedule, step: number): number => sched(numberScalar, step);

/** x^p for x >= 0 and p >= 0 with 0^0 = 1 as numpy has it; the zero base never reaches pow (undefined there on GPUs). */
export const powNonNegative = <T>(s: Scalar<T>, x: T, p: number): T =>
  p === 1 ? x : p === 0 ? s.c(1) : s.ifLess(s.c(0), x, s.pow(x, s.c(p)), s.c(0));
