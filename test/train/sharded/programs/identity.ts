// A rank program: checkSameRun with per-rank identities the test chooses; returns the problems this rank saw.
import { createHash } from 'node:crypto';
import * as E from 'fp-ts/lib/Either.js';
import type { CollectiveFailure, Collectives } from '../../../../src/shard/index.js';
import { checkSameRun } from '../../../../src/shard/index.js';

const digest = (s: string) => createHash('sha256').update(s).digest('hex');

const identity = async (c: Collectives, input: { configOf: string[]; codeOf: string[] }): Promise<E.Either<CollectiveFailure, string[]>> => {
  const out = await checkSameRun(c, { config: digest(input.configOf[c.rank]), code: digest(input.codeOf[c.rank]) });
  return E.right(E.isLeft(out) ? out.left : []);
};

export default identity;
