import * as E from 'fp-ts/lib/Either.js';
import type { Program } from '../src/dsl/index.js';
import type { Feeds } from '../src/dsl/index.js';
import { interpret } from '../src/dsl/index.js';
import { compile } from '../src/compiler/index.js';
import type { Runtime } from '../src/runtime/index.js';
import { DEFAULT_TOLERANCE, firstMismatch } from './tolerance.js';

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
