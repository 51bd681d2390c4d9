import * as E from 'fp-ts/lib/Either.js';
import type { Program } from '../src/dsl/index.js';
import type { Feeds } from '../src/dsl/index.js';
import { interpret } from '../src/dsl/index.js';
import { compile } from '../src/compiler/index.js';
import type { Runtime } from '../src/runtime/index.js';
import { DEFAULT_TOLERANCE, firstMismatch } from './tolerance.js';
import type { Mismatch } from './tolerance.js';

/**
 * Law: a compiled program's outputs on `runtime` agree with the float64 interpreter within
 * tolerance. Resolves to undefined when they do, else a description of the first disagreement.
 */
export const compiledMatchesReference = async (runtime: Runtime, prog: Program, feeds: Feeds, tol = DEFAULT_TOLERANCE): Promise<string | undefined> => {
  const want = interpret(prog, feeds);
  if (E.isLeft(want)) return `reference rejected the feeds: ${want.left.message}`;
  const exe = runtime.load(compile(prog));
  try {
    const got = await exe.run(feeds);
    if (E.isLeft(got)) return `runtime rejected the feeds: ${got.left.message}`;
    for (const [name, w] of Object.entries(want.right)) {
      const m = firstMismatch(got.right[name], w, tol);
      if (m) return `output '${name}' element ${m.index}: got ${m.got}, want ${m.want} (${runtime.report.backend})`;
    }
    return undefined;
  } finally {
    exe.destroy();
  }
};

/** -0 is shown as such: it differs from 0 in its bits. */
const show = (v: number): string => (Object.is(v, -0) ? '-0' : String(v));
const bitsOf = (x: ArrayLike<number>): Uint32Array => new Uint32Array(Float32Array.from(x).buffer);

/** The first element where two float32 arrays differ in their bits (NaN equals NaN), else undefined. */
export const firstBitDifference = (got: ArrayLike<number>, want: ArrayLike<number>): Mismatch | undefined => {
  if (got.length !== want.length) return { index: -1, got: got.length, want: want.length };
  const [a, b] = [bitsOf(got), bitsOf(want)];
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i] && !(Number.isNaN(got[i]) && Number.isNaN(want[i]))) return { index: i, got: got[i], want: want[i] };
  return undefined;
};

/**
 * Law: every runtime computes the same float32 bits for every output, and those equal the f32
 * interpreter's for the outputs listed in `exact`. Undefined when they do, else the first difference.
 */
export const compiledAgreeExactly = async (runtimes: readonly Runtime[], prog: Program, feeds: Feeds, exact: readonly string[]): Promise<string | undefined> => {
  const want = interpret(prog, feeds, 'f32');
  if (E.isLeft(want)) return `reference rejected the feeds: ${want.left.message}`;
  if (runtimes.length === 0) return 'no runtime to compare: give at least one';
  const unknown = exact.filter((k) => !(k in prog.outputs));
  if (unknown.length) return `exact names outputs the program lacks: ${unknown.join(', ')} (it has ${Object.keys(prog.outputs).join(', ')})`;
  const results: [string, Record<string, Float32Array>][] = [];
  for (const rt of runtimes) {
    const exe = rt.load(compile(prog));
    try {
      const got = await exe.run(feeds);
      if (E.isLeft(got)) return `runtime rejected the feeds: ${got.left.message}`;
      results.push([rt.report.backend, got.right]);
    } finally {
      exe.destroy();
    }
  }
  const [[firstName, first], ...rest] = results;
  for (const [name, out] of rest) {
    for (const k of Object.keys(first)) {
      const m = firstBitDifference(out[k], first[k]);
      if (m) return `output '${k}' element ${m.index}: ${name} ${show(m.got)}, ${firstName} ${show(m.want)}`;
    }
  }
  for (const k of exact) {
    const m = firstBitDifference(first[k], want.right[k]);
    if (m) return `output '${k}' element ${m.index}: ${firstName} ${show(m.got)}, the f32 interpreter ${show(m.want)}`;
  }
  return undefined;
};
