import * as E from 'fp-ts/lib/Either.js';
import type { InputSpec } from './program.js';
import type { FeedNaming, Feeds } from './feed-problems.js';
import { FeedError, INPUT_NAMING, feedProblems } from './feed-problems.js';

export type { Feed, Feeds, FeedNaming } from './feed-problems.js';
export { FeedError, INPUT_NAMING } from './feed-problems.js';

/** Check every feed against the declared inputs, reporting all problems at once. */
export const checkFeeds = (inputs: readonly InputSpec[], feeds: Feeds, naming: FeedNaming = INPUT_NAMING): E.Either<FeedError, Record<string, ArrayLike<number>>> => {
  const { problems, values } = feedProblems(inputs, feeds, naming);
  return problems.length ? E.left(new FeedError(problems)) : E.right(values);
};
