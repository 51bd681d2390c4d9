// Shared test plumbing: build programs, run them on the interpreter and on compiled backends, compare.
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import * as E from 'fp-ts/lib/Either.js';
import * as g from '../../src/dsl/index.js';
import type { Program, Tensor } from '../../src/dsl/index.js';
import { compile } from '../../src/compiler/index.js';
import { createRuntime } from '../../src/runtime/index.js';
import type { Runtime } from '../../src/runtime/index.js';
import { firstMismatch } from '../../props/tolerance.js';

export const right = <A>(e: E.Either<unknown, A>): A => {
  if (E.isLeft(e)) throw e.left;
  return e.right;
};

export const build = <S extends Record<string, g.InputDecl>>(decl: S, f: (inputs: { readonly [K in keyof S]: Tensor }) => Record<string, Tensor>): Program =>
  right(g.program(decl, f));

export type Tolerance = { readonly atol: number; readonly rtol: number };
export const TOL: Tolerance = { atol: 1e-4, rtol: 1e-4 };

export const assertClose = (got: ArrayLike<number>, want: ArrayLike<number>, tol: Tolerance, what: string): void => {
  const m = firstMismatch(got, want, tol);
  assert.equal(m, undefined, `${what}: element ${m?.index} is ${m?.got}, want ${m?.want}`);
};

/** The compiled backends every layer is checked on (webgpu too where one exists is left to the runtime tests). */
export const BACKENDS = ['cpu', 'webasm', 'wasm'] as const;

/** Runtimes for the backends, created before the file's tests and destroyed after. */
export const useRuntimes = (): Runtime[] => {
  const rts: Runtime[] = [];
  before(async () => {
    for (const b of BACKENDS) rts.push(await createRuntime({ backend: b }));
  });
  after(() => rts.forEach((rt) => rt.destroy()));
  return rts;
};

export const runCompiled = async (rt: Runtime, prog: Program, feeds: g.Feeds): Promise<Record<string, Float32Array>> => {
  const ex = rt.load(compile(prog));
  try {
    return { ...right(await ex.run(feeds)) };
  } finally {
    ex.destroy();
  }
};

/**
 * Every output against `want`: the float64 interpreter within `refTol` (default 1e-7: the same
 * math in another order, with the program's constants rounded to f32), each compiled backend
 * within `tol`. Returns the interpreted outputs.
 */
export const checkEverywhere = async (
  rts: readonly Runtime[],
  prog: Program,
  feeds: g.Feeds,
  want: Readonly<Record<string, ArrayLike<number>>>,
  tol: Tolerance = TOL,
  refTol: Tolerance = { atol: 1e-7, rtol: 1e-7 },
): Promise<Record<string, Float64Array>> => {
  const ref = right(g.interpret(prog, feeds));
  for (const [k, w] of Object.entries(want)) assertClose(ref[k], w, refTol, `interpret '${k}'`);
  for (const rt of rts) {
    const out = await runCompiled(rt, prog, feeds);
    for (const [k, w] of Object.entries(want)) assertClose(out[k], w, tol, `${rt.report.backend} '${k}'`);
  }
  return ref;
};

/** Deterministic pseudo-random numbers in [-scale, scale) for test inputs (an LCG), rounded to f32 so every backend reads the same inputs. */
export const randoms = (n: number, seed: number, scale = 1): number[] => {
  let s = seed >>> 0 || 1;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return Math.fround(((s / 2 ** 32) * 2 - 1) * scale);
  });
};
