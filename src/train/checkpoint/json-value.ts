// Opaque values kept as JSON must survive JSON.stringify unchanged: no NaN, Infinity, functions or class instances.
import type { Problem } from './problem.js';
import { problemAt } from './problem.js';

const isPlainObject = (v: object): boolean => Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null;

/** Where `value` would not come back from JSON as it went in. Object properties that are undefined are dropped, as optional fields. */
export const jsonValueProblems = (value: unknown, at: ReadonlyArray<string | number>): Problem[] => {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return [];
  if (typeof value === 'number') return Number.isFinite(value) ? [] : [problemAt(at, `${value} is not a JSON number`)];
  if (Array.isArray(value)) return value.flatMap((v, i) => (v === undefined ? [problemAt([...at, i], 'undefined in an array becomes null in JSON')] : jsonValueProblems(v, [...at, i])));
  if (typeof value === 'object' && isPlainObject(value)) return Object.entries(value).flatMap(([k, v]) => (v === undefined ? [] : jsonValueProblems(v, [...at, k])));
  return [problemAt(at, `a ${typeof value === 'object' ? value.constructor?.name ?? 'object' : typeof value} is not a JSON value`)];
};
