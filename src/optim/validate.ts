import { BuildError } from '../dsl/index.js';

/** Collect every bad hyperparameter of one transform and throw them together. */
export const checkHyper = (op: string, problems: Array<string | boolean | undefined>): void => {
  const bad = problems.filter((p): p is string => typeof p === 'string');
  if (bad.length) throw new BuildError('bad-argument', op, bad.join('; '));
};

export const inUnitOpen = (name: string, v: number) => (v >= 0 && v < 1) || `${name} ${v} must lie in [0, 1)`;
export const nonNegative = (name: string, v: number) => (Number.isFinite(v) && v >= 0) || `${name} ${v} must be a finite number >= 0`;
export const positive = (name: string, v: number) => (Number.isFinite(v) && v > 0) || `${name} ${v} must be a finite number > 0`;
