// A rank program: two sharded steps of a small MLP with dropout (a unit per Linear), counting the bytes each step moves
// and the gathered bytes it held at most; returns the trained parameters (gathered afterwards) and the losses.
import * as E from 'fp-ts/lib/Either.js';
import * as nn from '../../../src/nn/index.js';
import * as o from '../../../src/optim/index.js';
import * as g from '../../../src/dsl/index.js';
import type { Objective } from '../../../src/optim/step.js';
import { createRuntime } from '../../../src/runtime/index.js';
import type { Collectives, CollectiveFailure, ShardingStrategy } from '../../../src/shard/index.js';
import { createShardedStepper, flatUnits } from '../../../src/shard/index.js';
import { countingCollectives } from '../../../src/shard/collectives/counting.js';
import { classifierObjective } from '../../../src/train/classifier-objective.js';
import { blobs } from '../../train/blobs.js';

export const RESHARD_SIZES = [4, 8, 8, 3];
export const RESHARD_BATCH = 16;
export const RESHARD_MICRO = 4;

export interface ReshardInput {
  readonly strategy: ShardingStrategy;
  readonly reshardAfterForward?: boolean;
  /** Trained parameters (default all). */
  readonly trainable?: readonly string[];
  /** Adds a metric that reads no parameter: the batch's mean input. */
  readonly inputMean?: boolean;
}

export type ReshardResult =
  | { readonly ok: true; readonly params: Record<string, Float32Array>; readonly losses: number[]; readonly inputMeans: number[]; readonly stepBytes: number[]; readonly peakGatheredBytes: number[] }
  | { readonly ok: false; readonly message: string };

const withInputMean = (build: Objective['build']): Objective['build'] => (p, i) => {
  const out = build(p, i);
  return { ...out, metrics: { ...out.metrics, inputMean: g.mean(i.x) } };
};

const reshardStep = async (c: Collectives, input: ReshardInput): Promise<E.Either<CollectiveFailure, ReshardResult>> => {
  const rt = await createRuntime({ backend: 'webasm' });
  try {
    const tally = { bytes: 0 };
    const counted = countingCollectives(c, tally);
    const model = nn.mlpClassifier(RESHARD_SIZES, { dropout: 0.2 });
    const shapes = nn.paramShapes(model);
    const rows = RESHARD_BATCH / RESHARD_MICRO;
    const classifier = classifierObjective(model, rows, [4]);
    const objective = input.inputMean ? { ...classifier, build: withInputMean(classifier.build) } : classifier;
    const stepper = createShardedStepper(rt, counted, {
      objective, shapes, units: flatUnits(nn.modelSpec(model), { classes: ['Linear'] }), trainable: input.trainable ?? Object.keys(shapes),
      transform: o.adamw(0.05), strategy: input.strategy, microBatches: RESHARD_MICRO, ...(input.reshardAfterForward === undefined ? {} : { reshardAfterForward: input.reshardAfterForward }),
    });
    if (E.isLeft(stepper)) return E.right({ ok: false, message: stepper.left });
    const init = await stepper.right.init(nn.initParams(model, 5));
    if (E.isLeft(init)) return E.right({ ok: false, message: init.left });
    let s = init.right;
    const data = blobs(2 * RESHARD_BATCH, 1);
    const losses: number[] = [];
    const inputMeans: number[] = [];
    const stepBytes: number[] = [];
    const peakGatheredBytes: number[] = [];
    for (let step = 0; step < 2; step++) {
      const micro = Array.from({ length: RESHARD_MICRO / c.size }, (_, i) => {
        const first = step * RESHARD_BATCH + (c.rank * (RESHARD_MICRO / c.size) + i) * rows;
        return { x: data.inputs.slice(first * 4, (first + rows) * 4), y: Float32Array.from(data.labels.subarray(first, first + rows)), key: Float32Array.of(7 + step * RESHARD_MICRO + c.rank * (RESHARD_MICRO / c.size) + i) };
      });
      const before = tally.bytes;
      const out = await stepper.right.step(s, micro);
      if (E.isLeft(out)) return E.right({ ok: false, message: out.left });
      stepBytes.push(tally.bytes - before);
      peakGatheredBytes.push(out.right.peakGatheredBytes);
      losses.push(out.right.metrics.loss);
      if (input.inputMean) inputMeans.push(out.right.metrics.inputMean);
      s = out.right.state;
    }
    const params = await stepper.right.gather(s);
    stepper.right.destroy();
    if (E.isLeft(params)) return E.right({ ok: false, message: params.left });
    return E.right({ ok: true, params: { ...params.right }, losses, inputMeans, stepBytes, peakGatheredBytes });
  } finally {
    rt.destroy();
  }
};

export default reshardStep;
