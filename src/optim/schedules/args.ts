// Argument checks shared by the schedule constructors: each returns true or the problem in words.
export { checkHyper, nonNegative, positive } from '../validate.js';

export const finite = (name: string, v: number) => Number.isFinite(v) || `${name} ${v} must be a finite number`;
/** A whole number of steps of either sign (optax reads a non-positive length as "no transition"). */
export const wholeSteps = (name: string, v: number) => Number.isInteger(v) || `${name} ${v} must be a whole number of steps`;
export const positiveSteps = (name: string, v: number) => (Number.isInteger(v) && v > 0) || `${name} ${v} must be a whole number of steps > 0`;
export const stepCount = (name: string, v: number) => (Number.isInteger(v) && v >= 0) || `${name} ${v} must be a whole number of steps >= 0`;
export const increasingSteps = (name: string, bs: readonly number[]) =>
  bs.every((b, k) => Number.isInteger(b) && b >= 0 && (k === 0 || b > bs[k - 1])) || `${name} [${bs}] must be increasing whole steps >= 0`;
/** Prefix every problem of a nested argument with where it sits. */
export const under = (where: string, problems: ReadonlyArray<string | boolean | undefined>) => problems.map((p) => (typeof p === 'string' ? `${where}: ${p}` : p));
