// A rank program that starts a second collective without awaiting the first.
import * as E from 'fp-ts/lib/Either.js';
import type { Collectives } from '../../../../src/shard/collectives/index.js';

export default async (c: Collectives) => {
  const [first, second] = await Promise.all([c.allReduce(new Float32Array(3)), c.allReduce(new Float32Array(3))]);
  return E.isLeft(second) ? second : first;
};
