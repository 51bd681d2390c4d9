// The gradient half of a sharded step: this rank's micro-batch gradients, reduced in the W-independent tree order to
// this rank's chunk of every trained unit (the whole unit under NO_SHARD). The optimizer step and Child-Tuning D's
// Fisher pass both start from it.
import * as E from 'fp-ts/lib/Either.js';
import type { Shape } from '../dsl/index.js';
import { compile } from '../compiler/index.js';
import type { Executable, Runtime } from '../runtime/index.js';
import type { Objective } from '../optim/step.js';
import { names } from '../optim/step.js';
import { gradientProgram } from '../optim/gradient-program.js';
import type { Collectives, CollectiveFailure } from './collectives/collectives.js';
import { failureMessage } from './collectives/collectives.js';
import { treeSum } from './collectives/fixed-order-sum.js';
import type { UnitLayout } from './layout.js';
import type { Values } from './state/flat-unit.js';
import { flattenUnit } from './state/flat-unit.js';
import { exactTotal, packPartials, unpackPartials } from './state/exact-norm.js';
import type { ShardingStrategy } from './state/shard-state.js';

export interface ShardedGradients {
  /**
   * Each trained unit's gradient, averaged over all M micro-batches, as this rank holds it (its chunk; NO_SHARD: the
   * whole flat unit), and every micro-batch's metrics in micro-batch order (the same on every rank).
   */
  reduce(full: Values, micro: readonly Values[]): Promise<E.Either<string, { chunks: Record<string, Float32Array>; metrics: Record<string, Float32Array> }>>;
  readonly metricNames: readonly string[];
  destroy(): void;
}

export interface ShardedGradientsConfig {
  readonly objective: Objective;
  readonly shapes: Readonly<Record<string, Shape>>;
  readonly trainable: readonly string[];
  readonly trainLayouts: readonly UnitLayout[];
  readonly strategy: ShardingStrategy;
  readonly microBatches: number;
}

export const collective = async <A>(r: Promise<E.Either<CollectiveFailure, A>>): Promise<E.Either<string, A>> => E.mapLeft(failureMessage)(await r);

/** Floats one tensor's norm partials take on the wire. */
const PACKED = packPartials([]).length;

/** Each tensor's exact squared norm over every rank, from this rank's partials of each; `replicated` (NO_SHARD): every rank holds them whole, nothing moves. */
export const globalSquares = async (c: Collectives, partials: readonly (readonly number[])[], replicated: boolean): Promise<E.Either<string, number[]>> => {
  if (replicated) return E.right(partials.map((p) => exactTotal([p])));
  const packed = new Float32Array(partials.length * PACKED);
  partials.forEach((p, k) => packed.set(packPartials(p), k * PACKED));
  const all = await collective(c.allGather(packed));
  if (E.isLeft(all)) return all;
  const at = (r: number, k: number) => unpackPartials(all.right.subarray((r * partials.length + k) * PACKED, (r * partials.length + k + 1) * PACKED), 1)[0];
  return E.right(partials.map((_, k) => exactTotal(Array.from({ length: c.size }, (_, r) => at(r, k)))));
};

/** Every rank's per-micro-batch metrics (outputs `m:<name>` of this rank's micro-batches), in micro-batch order: an all-gather of M / W values per metric. */
export const allMetrics = async (c: Collectives, metricNames: readonly string[], local: readonly Readonly<Record<string, Float32Array>>[]): Promise<E.Either<string, Record<string, Float32Array>>> => {
  const per = local.length;
  const mine = new Float32Array(per * metricNames.length);
  metricNames.forEach((m, j) => local.forEach((out, i) => (mine[j * per + i] = out[names.metric(m)][0])));
  const all = await collective(c.allGather(mine));
  if (E.isLeft(all)) return all;
  return E.right(Object.fromEntries(metricNames.map((m, j) => [m, Float32Array.from({ length: per * c.size }, (_, k) => all.right[Math.floor(k / per) * per * metricNames.length + j * per + (k % per)])])));
};

/** One trained unit's gradient over this rank's micro-batches, reduced across ranks in the W-independent tree order and averaged over all M. */
export const reduceUnit = async (c: Collectives, strategy: ShardingStrategy, M: number, l: UnitLayout, perMicro: readonly Values[]): Promise<E.Either<string, Float32Array>> => {
  // a tree over this rank's micro-batches, then the rank-ordered tree: together the tree over all M
  const local = treeSum(perMicro.map((g) => flattenUnit(l, g)));
  const reduced = await collective(strategy === 'NO_SHARD' ? c.allReduce(local) : c.reduceScatter(local));
  return E.map((r: Float32Array) => r.map((x) => x / M))(reduced);
};

export const createShardedGradients = (rt: Runtime, c: Collectives, config: ShardedGradientsConfig): E.Either<string, ShardedGradients> => {
  const { strategy, microBatches: M, trainLayouts } = config;
  const W = c.size;
  const grad = gradientProgram(config.objective, config.shapes, config.trainable);
  if (E.isLeft(grad)) return E.left(`gradient program: ${grad.left.message}`);
  const gradExe: Executable = rt.load(compile(grad.right));
  const metricNames = Object.keys(grad.right.outputs).filter((k) => k.startsWith('m:')).map((k) => k.slice(2));

  return E.right({
    metricNames,
    reduce: async (full, micro) => {
      if (micro.length * W !== M) return E.left(`rank ${c.rank}: got ${micro.length} micro-batches, expected ${M / W} (${M} over ${W} ranks)`);
      const feeds = Object.fromEntries(Object.entries(full).map(([k, v]) => [names.param(k), v.slice()]));
      const outs: Record<string, Float32Array>[] = [];
      for (const m of micro) {
        const out = E.mapLeft((e: Error) => `rank ${c.rank}: ${e.message}`)(await gradExe.run({ ...feeds, ...Object.fromEntries(Object.entries(m).map(([k, v]) => [names.input(k), v])) } as never));
        if (E.isLeft(out)) return out;
        outs.push(out.right);
      }
      const gradOf = (out: Record<string, Float32Array>): Values => Object.fromEntries(config.trainable.map((n) => [n, out[names.grad(n)]]));
      const chunks: Record<string, Float32Array> = {};
      for (const l of trainLayouts) {
        const reduced = await reduceUnit(c, strategy, M, l, outs.map(gradOf));
        if (E.isLeft(reduced)) return reduced;
        chunks[l.unit] = reduced.right;
      }
      const metrics = await allMetrics(c, metricNames, outs);
      return E.map((m: Record<string, Float32Array>) => ({ chunks, metrics: m }))(metrics);
    },
    destroy: () => gradExe.destroy(),
  });
};
