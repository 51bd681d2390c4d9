// The feeds of a (looped) plan as an Either, as the library's executables report them.
import * as E from 'fp-ts/lib/Either.js';
import type { Plan } from '../compiler/plan.js';
import { FeedError } from '../dsl/feeds.js';
import type { LoopFeeds, LoopSpec } from './loop-feeds.js';
import { splitFeedProblems } from './loop-feeds.js';

/** Per-step feeds come as arrays of `steps` feeds; check their count and each one's contents. */
export const splitFeeds = (plan: Pick<Plan, 'inputSpecs' | 'inputs'>, loop: LoopSpec, feeds: LoopFeeds): E.Either<FeedError, { once: Record<string, Float32Array>; each: Float32Array[][] }> => {
  const split = splitFeedProblems(plan, loop, feeds);
  return split.problems ? E.left(new FeedError(split.problems)) : E.right({ once: split.once, each: split.each });
};
