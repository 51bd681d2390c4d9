import * as E from 'fp-ts/lib/Either.js';
import { sizeOf, showShape } from './shape.js';
import type { InputSpec } from './program.js';

/** What a caller hands a program: one flat row-major array (or a number, for a scalar) per input. */
export type Feed = ArrayLike<number> | number;
export type Feeds = Readonly<Record<string, Feed>>;

export class FeedError extends Error {
  override readonly name = 'FeedError';
  constructor(readonly problems: readonly string[]) {
    super(`bad inputs:\n  ${problems.join('\n  ')}`);
  }
}

/** Check every feed against the declared inputs, reporting all problems at once. */
export const checkFeeds = (inputs: readonly InputSpec[], feeds: Feeds): E.Either<FeedError, Record<string, ArrayLike<number>>> => {
  const problems: string[] = [];
  const out: Record<string, ArrayLike<number>> = {};
  for (const spec of inputs) {
    const f = feeds[spec.name];
    const want = sizeOf(spec.shape);
    if (f === undefined) {
      problems.push(`input '${spec.name}': missing (expected ${spec.dtype}${showShape(spec.shape)})`);
      continue;
    }
    const arr = typeof f === 'number' ? [f] : f;
    if (arr.length !== want) {
      problems.push(`input '${spec.name}': ${arr.length} values, expected ${want} for ${spec.dtype}${showShape(spec.shape)}`);
      continue;
    }
    if (spec.dtype !== 'f32') {
      for (let i = 0; i < arr.length; i++) {
        const v = arr[i];
        const ok = spec.dtype === 'bool' ? v === 0 || v === 1 : Number.isInteger(v) && Math.abs(v) < 2 ** 24;
        if (!ok) {
          problems.push(`input '${spec.name}': element ${i} is ${v}, expected ${spec.dtype === 'bool' ? '0 or 1' : 'an integer below 2^24 in magnitude'}`);
          break;
        }
      }
    }
    out[spec.name] = arr;
  }
  const known = new Set(inputs.map((s) => s.name));
  for (const name of Object.keys(feeds)) {
    if (!known.has(name)) problems.push(`input '${name}': not an input of this program (inputs: ${[...known].join(', ') || 'none'})`);
  }
  return problems.length ? E.left(new FeedError(problems)) : E.right(out);
};
