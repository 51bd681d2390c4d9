// The constant schedule, also what optax turns a degenerate transition into.
import type { Schedule } from './scalar.js';
import { schedule } from './scalar.js';
import { checkHyper, finite } from './args.js';

/** value at every step; `name` says why when a degenerate argument made it constant. */
export const holding = (name: string, value: number): Schedule => schedule(name, (s) => s.c(value));

/** optax's constant_schedule. */
export const constantSchedule = (value: number): Schedule => {
  checkHyper('constantSchedule', [finite('value', value)]);
  return holding(`constant(${value})`, value);
};
