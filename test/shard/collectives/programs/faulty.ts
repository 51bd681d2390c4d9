// A rank program whose rank `victim` misbehaves after the first all-reduce: it exits, throws, passes a wrong length,
// arrives late, or (MPI only: it would end every local rank's process) is killed with SIGKILL.
import * as E from 'fp-ts/lib/Either.js';
import type { CollectiveFailure, Collectives } from '../../../../src/shard/collectives/index.js';

export interface FaultyInput {
  readonly victim: number;
  readonly fault: 'exit' | 'throw' | 'length' | 'late' | 'kill';
  readonly lateMs?: number;
}

const faulty = async (c: Collectives, input: FaultyInput): Promise<E.Either<CollectiveFailure, number>> => {
  const first = await c.allReduce(new Float32Array([c.rank]));
  if (E.isLeft(first)) return first;
  if (c.rank === input.victim) {
    if (input.fault === 'exit') process.exit(3);
    if (input.fault === 'kill') process.kill(process.pid, 'SIGKILL');
    if (input.fault === 'throw') throw new Error(`rank ${c.rank} fails on purpose`);
    if (input.fault === 'late') await new Promise((r) => setTimeout(r, input.lateMs));
  }
  const length = input.fault === 'length' && c.rank === input.victim ? 5 : 4;
  for (let i = 0; i < (input.fault === 'kill' ? 1000 : 3); i++) {
    const more = await c.allReduce(new Float32Array(length));
    if (E.isLeft(more)) return more;
  }
  return E.right(first.right[0]);
};

export default faulty;
