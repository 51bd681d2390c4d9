// A rank program: shardedFit of a small MLP on the blobs, every unit split across ranks; the tests run it at W = 1, 2, 4.
import * as E from 'fp-ts/lib/Either.js';
import * as nn from '../../../../src/nn/index.js';
import { createRuntime } from '../../../../src/runtime/index.js';
import type { Collectives, CollectiveFailure, ShardingStrategy } from '../../../../src/shard/index.js';
import { shardedFit } from '../../../../src/train/sharded/sharded-fit.js';
import type { PercentileMethod, ShardedFisherMask } from '../../../../src/train/sharded/sharded-fisher.js';
import { shardedFisherMask } from '../../../../src/train/sharded/sharded-fisher.js';
import type { EpochRecord } from '../../../../src/train/fit.js';
import { checkpointedEpoch } from './checkpointed-epoch.js';
import { blobs } from '../../blobs.js';
import { MLP_SIZES, MLP_POLICY, transformOf, type OptimizerChoice } from '../mlp-setup.js';

export interface MlpFitInput {
  readonly strategy: ShardingStrategy;
  readonly microBatches: number;
  readonly epochs: number;
  readonly optimizer: OptimizerChoice;
  readonly maxGradNorm?: number;
  readonly trainable?: readonly string[];
  readonly checkpoint?: { readonly dir: string; readonly consolidated?: boolean };
  readonly resume?: { readonly dir: string };
  /** A fault: this rank ends itself right after this step (exit: a worker's or process's exit; kill: SIGKILL of its process). */
  readonly die?: { readonly rank: number; readonly step: number; readonly how: 'exit' | 'kill' };
  /** Child-Tuning D with masks from the sharded Fisher pass (instead of MLP_MASKS), its threshold found this way. */
  readonly fisher?: { readonly reserveP: number; readonly percentile: PercentileMethod; readonly maxGradNorm: number };
}

/** What the sharded Fisher pass chose on this rank. */
export interface FisherOutcome {
  readonly pieces: ShardedFisherMask['pieces'];
  readonly threshold: number;
  readonly keptFraction: number;
}

const dieAt = (c: Collectives, die: MlpFitInput['die']) => (step: number) => {
  if (!die || c.rank !== die.rank || step !== die.step) return;
  if (die.how === 'kill') process.kill(process.pid, 'SIGKILL');
  else process.exit(3);
};

export type MlpFitResult = { readonly ok: true; readonly params: Record<string, Float32Array>; readonly records: EpochRecord[]; readonly losses: number[]; readonly optLeaves: string[]; readonly fisher?: FisherOutcome; readonly checkpointedAtRecord: number[] } | { readonly ok: false; readonly message: string };

const mlpFit = async (c: Collectives, input: MlpFitInput): Promise<E.Either<CollectiveFailure, MlpFitResult>> => {
  const rt = await createRuntime({ backend: 'webasm' });
  const model = nn.mlpClassifier(MLP_SIZES);
  let fisher: FisherOutcome | undefined;
  if (input.fisher) {
    const selected = Object.keys(nn.paramShapes(model)).filter((n) => n.endsWith('.weight'));
    const m = await shardedFisherMask(rt, c, { model, features: [4], policy: MLP_POLICY, strategy: input.strategy, microBatches: input.microBatches, batchSize: 16, seed: 3, maxGradNorm: input.fisher.maxGradNorm, selected, reserveP: input.fisher.reserveP, percentile: input.fisher.percentile }, nn.initParams(model, 5), blobs(64, 1));
    if (E.isLeft(m)) throw new Error(m.left);
    fisher = { pieces: m.right.pieces, threshold: m.right.threshold, keptFraction: m.right.keptFraction };
  }
  // what the checkpoint folder held as each epoch's record went out
  const checkpointedAtRecord: number[] = [];
  const masks = fisher && Object.fromEntries(Object.entries(fisher.pieces).map(([n, p]) => [n, p.mask]));
  const out = await shardedFit(
    rt,
    c,
    { model, transform: (slice) => (masks ? transformOf(input.optimizer, slice.ownMasks, masks) : transformOf(input.optimizer, slice.sliceMasks)), features: [4], epochs: input.epochs, batchSize: 16, seed: 3, policy: MLP_POLICY, strategy: input.strategy, microBatches: input.microBatches, ...(input.maxGradNorm ? { maxGradNorm: input.maxGradNorm } : {}), ...(input.trainable ? { trainable: input.trainable } : {}), ...(input.checkpoint ? { checkpoint: { ...input.checkpoint, config: `mlp-${input.optimizer}-${input.microBatches}` } } : {}), ...(input.resume ? { resume: input.resume } : {}), onStep: dieAt(c, input.die), onEpoch: () => void checkpointedAtRecord.push(checkpointedEpoch(input.checkpoint?.dir)) },
    nn.initParams(model, 5),
    blobs(64, 1),
    blobs(30, 2),
  );
  rt.destroy();
  // a rank that fails ends with its error, as a rank of a real job does: runLocal reports it with the rank's number
  if (E.isLeft(out)) throw new Error(out.left);
  return E.right({ ok: true, params: { ...out.right.params }, records: out.right.records, losses: out.right.losses, optLeaves: Object.keys(out.right.state.opt), ...(fisher ? { fisher } : {}), checkpointedAtRecord });
};

export default mlpFit;
