// Ranks started with another config or another version of the code must not train together: every rank shares two
// digests, and all refuse together (each sees every rank's), naming the ranks that differ from rank 0.
import * as E from 'fp-ts/lib/Either.js';
import type { Collectives } from './collectives/collectives.js';
import { failureMessage } from './collectives/collectives.js';

export interface RunIdentity {
  /** Hex digest of what the numbers depend on (the resolved config, strategy, micro-batches). */
  readonly config: string;
  /** Hex digest of the code. */
  readonly code: string;
}

const WORDS = 16;

/** A 256-bit hex digest as sixteen 16-bit integers in float32: exact, and never a NaN bit pattern in transit. */
export const digestWords = (hex: string): Float32Array => Float32Array.from({ length: WORDS }, (_, i) => parseInt(hex.slice(4 * i, 4 * i + 4).padEnd(4, '0'), 16) || 0);

const wordsHex = (w: Float32Array): string => Array.from(w, (x) => x.toString(16).padStart(4, '0')).join('');

/** Every rank's identity against rank 0's, before any training: all problems at once, the same on every rank. */
export const checkSameRun = async (c: Collectives, identity: RunIdentity): Promise<E.Either<string[], void>> => {
  const mine = new Float32Array(2 * WORDS);
  mine.set(digestWords(identity.config), 0);
  mine.set(digestWords(identity.code), WORDS);
  const all = await c.allGather(mine);
  if (E.isLeft(all)) return E.left([failureMessage(all.left)]);
  const part = (r: number, k: 0 | 1) => wordsHex(all.right.subarray(r * 2 * WORDS + k * WORDS, r * 2 * WORDS + (k + 1) * WORDS));
  const problems = Array.from({ length: c.size }, (_, r) => r).slice(1).flatMap((r) =>
    (['config', 'code'] as const).flatMap((what, k) =>
      part(r, k as 0 | 1) === part(0, k as 0 | 1) ? [] : [`rank ${r} was started with a different ${what === 'config' ? 'config' : 'version of the code'} than rank 0 (${what} ${part(r, k as 0 | 1).slice(0, 12)}… vs ${part(0, k as 0 | 1).slice(0, 12)}…): start every rank with the same ${what === 'config' ? 'config file and options' : 'checkout'}`]));
  return problems.length ? E.left(problems) : E.right(undefined);
};
