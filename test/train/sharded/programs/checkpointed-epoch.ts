// The epoch a sharded checkpoint folder's index was written after (0: none yet), for rank programs that check when records go out.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { INDEX_FILE, readShardIndex } from '../../../../src/train/sharded/sharded-checkpoint.js';

export const checkpointedEpoch = (dir: string | undefined): number => {
  if (dir === undefined || !existsSync(join(dir, INDEX_FILE))) return 0;
  const index = readShardIndex(dir);
  return E.isRight(index) ? index.right.epoch : -1;
};
