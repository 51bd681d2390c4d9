// io-ts errors as problems with paths, in the style of optim/model-spec.ts.
import * as t from 'io-ts';
import type { Problem } from './problem.js';
import { problemAt } from './problem.js';

// intersection and union members appear in contexts as keys '0', '1', …; they are not part of the data's path
const segmentsOf = (ctx: t.Context): Array<string | number> =>
  ctx.slice(1).flatMap((c, i) => {
    const parent = ctx[i].type;
    if (parent instanceof t.IntersectionType || parent instanceof t.UnionType) return [];
    return [/^\d+$/.test(c.key) && (parent instanceof t.ArrayType || parent instanceof t.TupleType) ? Number(c.key) : c.key];
  });

export const show = (v: unknown): string => JSON.stringify(v)?.slice(0, 60) ?? String(v);

/** One problem per io-ts error, its path below `prefix`. */
export const decodeProblems = (prefix: ReadonlyArray<string | number>, errors: t.Errors): Problem[] =>
  errors.map((e) => {
    const expected = e.context[e.context.length - 1]?.type.name ?? 'a value';
    return problemAt([...prefix, ...segmentsOf(e.context)], e.value === undefined ? `missing (expected ${expected})` : `expected ${expected}, got ${show(e.value)}`);
  });

export const NonNegativeInteger = t.refinement(t.number, (n) => Number.isSafeInteger(n) && n >= 0, 'non-negative integer');
