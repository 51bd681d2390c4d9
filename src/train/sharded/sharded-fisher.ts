// Child-Tuning D under shards: each rank scores only the pieces it owns (Fisher pass over the data-parallel
// micro-batch gradients, each tensor clipped by its exact global norm), then one threshold, the global percentile of
// every rank's scores, picked by a distributed radix select (default) or by gathering every score.
import * as E from 'fp-ts/lib/Either.js';
import type { Shape } from '../../dsl/index.js';
import { randomKey } from '../../dsl/index.js';
import type { Runtime } from '../../runtime/index.js';
import type { Layer } from '../../nn/index.js';
import { modelSpec, paramShapes } from '../../nn/index.js';
import { percentile } from '../../optim/index.js';
import type { Collectives, ShardingStrategy, WrapPolicy } from '../../shard/index.js';
import { clipCoefficient, flatUnits, ownedPieces, ownerRank, piecesOfChunk, squarePartials, strategyLayouts } from '../../shard/index.js';
import { createShardedGradients } from '../../shard/sharded-gradients.js';
import { globalSquares } from '../../shard/sharded-gradients.js';
import { gatherPercentile, selectPercentile, sumCounts } from '../../shard/percentile-select.js';
import type { ModelInput } from '../classifier-objective.js';
import { classifierObjective, featureRows } from '../classifier-objective.js';
import { batches, permutation } from '../data/shuffle.js';
import type { Examples } from '../fit.js';
import { rows } from '../fit.js';
import type { Values } from '../optimizer-runner.js';

/** How the global threshold is found: `select` moves only bucket counts; `gather` moves every score to every rank. */
export type PercentileMethod = 'select' | 'gather';
/** Measured (bench/fisher-select.ts): the select moves kilobytes where gather moves every score. */
export const DEFAULT_PERCENTILE: PercentileMethod = 'select';

export interface ShardedFisherConfig {
  readonly model: Layer<any>;
  readonly input?: ModelInput;
  readonly features: Shape;
  readonly policy: WrapPolicy;
  readonly strategy: ShardingStrategy;
  /** Micro-batches per batch over all ranks, as training uses. */
  readonly microBatches: number;
  readonly batchSize: number;
  readonly seed: number;
  /** Each tensor's gradient is clipped to this norm on its own (the reference's Fisher pass). */
  readonly maxGradNorm: number;
  /** The scored parameters (the rest are not masked). */
  readonly selected: readonly string[];
  readonly reserveP: number;
  readonly percentile?: PercentileMethod;
}

export interface ShardedFisherMask {
  /** This rank's piece of each selected parameter's 0/1 mask, and where the piece starts in the parameter. */
  readonly pieces: Readonly<Record<string, { readonly start: number; readonly mask: Uint8Array }>>;
  readonly threshold: number;
  readonly kept: number;
  readonly total: number;
  readonly keptFraction: number;
}

/** The key of micro-batch m of the Fisher pass's batch i: with one micro-batch, the unsharded pass's key. */
export const fisherMicroKey = (seed: number, batch: number, microBatches: number, m: number): number => randomKey(seed, (2 ** 23 + batch * microBatches + m) % 2 ** 24);

/** The scores of this rank's pieces, the threshold over every rank's, and the masks of the pieces; collective. */
export const shardedFisherMask = async (rt: Runtime, c: Collectives, cfg: ShardedFisherConfig, params: Values, train: Examples): Promise<E.Either<string, ShardedFisherMask>> => {
  const { microBatches: M, batchSize: B } = cfg;
  if (!(cfg.reserveP > 0 && cfg.reserveP <= 1)) return E.left(`reserveP ${cfg.reserveP} must lie in (0, 1]`);
  const shapes = paramShapes(cfg.model);
  const selected = new Set(cfg.selected);
  // the units holding a scored parameter: their gradients are reduced whole, as training reduces them
  const units = flatUnits(modelSpec(cfg.model), cfg.policy).filter((u) => u.params.some((p) => selected.has(p)));
  const trainable = Object.keys(shapes).filter((n) => units.some((u) => u.params.includes(n)));
  const layouts = strategyLayouts(units, shapes, cfg.strategy, c.size);
  if (E.isLeft(layouts)) return E.left(layouts.left.map((p) => `${p.path}: ${p.message}`).join('\n'));
  const owner = ownerRank({ strategy: cfg.strategy, rank: c.rank });
  const grads = createShardedGradients(rt, c, { objective: classifierObjective(cfg.model, B / M, cfg.features, {}, cfg.input ?? featureRows), shapes, trainable, trainLayouts: layouts.right, strategy: cfg.strategy, microBatches: M });
  if (E.isLeft(grads)) return grads;
  // NO_SHARD: every rank holds every whole score, so each picks the threshold alone
  const replicated = cfg.strategy === 'NO_SHARD';
  const mine = layouts.right.flatMap((l) => ownedPieces(l, owner).filter((p) => selected.has(p.name)));
  const scores: Record<string, Float32Array> = Object.fromEntries(mine.map((p) => [p.name, new Float32Array(p.end - p.start)]));
  const width = cfg.features.reduce((a, b) => a * b, 1);
  const order = batches(permutation(train.count, cfg.seed, 2 ** 23), B, true);
  const myMicro = Array.from({ length: M / c.size }, (_, i) => c.rank * (M / c.size) + i);
  try {
    for (const [i, b] of order.entries()) {
      const micro = myMicro.map((m) => {
        const { x, y } = rows(train, b.subarray((m * B) / M, ((m + 1) * B) / M), width);
        return { x, y: Float32Array.from(y), key: Float32Array.of(fisherMicroKey(cfg.seed, i, M, m)) };
      });
      const reduced = await grads.right.reduce(params, micro);
      if (E.isLeft(reduced)) return reduced;
      const pieces: Record<string, Float32Array> = Object.assign({}, ...layouts.right.map((l) => piecesOfChunk(l, owner, reduced.right.chunks[l.unit])));
      // each tensor's squared norm, exact whichever rank holds which elements: every rank's partials, gathered
      const partials = cfg.selected.map((n) => squarePartials(pieces[n] ? [pieces[n]] : []));
      const squares = await globalSquares(c, partials, replicated);
      if (E.isLeft(squares)) return squares;
      cfg.selected.forEach((n, k) => {
        const piece = pieces[n];
        if (!piece) return;
        const coef = clipCoefficient(cfg.maxGradNorm, squares.right[k]);
        const s = scores[n];
        // fisherAccumulator's float32 steps: score + (g · coef)² / batches
        for (let j = 0; j < piece.length; j++) {
          const g = Math.fround(piece[j] * coef);
          s[j] = Math.fround(s[j] + Math.fround(Math.fround(g * g) / order.length));
        }
      });
    }
  } finally {
    grads.right.destroy();
  }
  const values = Object.values(scores);
  const q = (1 - cfg.reserveP) * 100;
  const found = replicated ? E.right({ value: percentile(Float32Array.from(values.flatMap((v) => Array.from(v))), q), total: values.reduce((a, v) => a + v.length, 0) })
    : await (cfg.percentile === 'gather' ? gatherPercentile : selectPercentile)(c, values, q);
  if (E.isLeft(found)) return found;
  const threshold = found.right.value;
  const masks = Object.fromEntries(mine.map((p) => [p.name, { start: p.start, mask: Uint8Array.from(scores[p.name], (x) => +(x >= threshold)) }]));
  const keptHere = Object.values(masks).reduce((a, m) => a + m.mask.reduce((s, x) => s + x, 0), 0);
  const kept = replicated ? E.right([keptHere]) : await sumCounts(c, [keptHere]);
  if (E.isLeft(kept)) return kept;
  return E.right({ pieces: masks, threshold, kept: kept.right[0], total: found.right.total, keptFraction: kept.right[0] / found.right.total });
};
