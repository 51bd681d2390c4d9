// A rank program: shardedScheduledFit of the small MLP on the blobs (head first, then the rest); tests run it at W = 1, 2, 4,
// whole or stopped after some epochs and resumed from its sharded checkpoint.
import * as E from 'fp-ts/lib/Either.js';
import * as nn from '../../../../src/nn/index.js';
import { createRuntime } from '../../../../src/runtime/index.js';
import type { Collectives, CollectiveFailure, ShardingStrategy } from '../../../../src/shard/index.js';
import { shardedScheduledFit } from '../../../../src/train/sharded/sharded-scheduled-fit.js';
import type { ScheduledRecord } from '../../../../src/train/scheduled-fit.js';
import { blobs, noisyBlobs } from '../../blobs.js';
import { MLP_POLICY, MLP_SIZES, mlpMachine, mlpGroupTransform } from '../mlp-setup.js';
import { checkpointedEpoch } from './checkpointed-epoch.js';

export interface MlpScheduledInput {
  readonly strategy: ShardingStrategy;
  readonly microBatches: number;
  /** Phase parameter lists (default: mlpMachine's head-then-rest). */
  readonly phases?: readonly (readonly string[])[];
  /** Checkpoint into this folder after every epoch (a consolidated file too). */
  readonly checkpoint?: string;
  /** Go on from the checkpoint folder's set. */
  readonly resume?: boolean;
  /** Stop once this many epochs of the whole run are done, as an interrupted run would. */
  readonly stopAfter?: number;
}

export type MlpScheduledResult = { readonly params: Record<string, Float32Array>; readonly records: readonly ScheduledRecord[]; readonly transitions: ReadonlyArray<{ epoch: number; depth: number }>; readonly log: string[]; readonly steps: number; readonly stopReason?: string; readonly checkpointedAtRecord: number[] };

/** The digest of the settings the checkpoints record: one for every run of this program. */
export const MLP_SCHEDULED_CONFIG = 'mlp-scheduled-test';

const mlpScheduled = async (c: Collectives, input: MlpScheduledInput): Promise<E.Either<CollectiveFailure, MlpScheduledResult>> => {
  const rt = await createRuntime({ backend: 'webasm' });
  const model = nn.mlpClassifier(MLP_SIZES);
  const log: string[] = [];
  // what the checkpoint folder held as each epoch's record went out
  const checkpointedAtRecord: number[] = [];
  const out = await shardedScheduledFit(rt, c, {
    model, features: [4], batchSize: 16, seed: 3, machine: mlpMachine(input.phases), groupTransform: mlpGroupTransform, policy: MLP_POLICY, strategy: input.strategy, microBatches: input.microBatches, log: (l) => log.push(l),
    ...(input.checkpoint ? { checkpoint: { dir: input.checkpoint, config: MLP_SCHEDULED_CONFIG, consolidated: true } } : {}),
    ...(input.checkpoint && input.resume ? { resume: { dir: input.checkpoint } } : {}),
    onEpoch: (r: ScheduledRecord) => {
      checkpointedAtRecord.push(checkpointedEpoch(input.checkpoint));
      return input.stopAfter === undefined || r.epoch < input.stopAfter;
    },
  }, nn.initParams(model, 5), blobs(64, 1), noisyBlobs(30, 2));
  rt.destroy();
  if (E.isLeft(out)) throw new Error(out.left);
  return E.right({ params: { ...out.right.params }, records: out.right.records, transitions: out.right.transitions, log, steps: out.right.steps, ...(out.right.stopReason ? { stopReason: out.right.stopReason } : {}), checkpointedAtRecord });
};

export default mlpScheduled;
