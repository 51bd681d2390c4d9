// One sharded training step (FSDP semantics on explicit state): gather params, compute this rank's micro-batch
// gradients, reduce them in the W-independent tree order, clip by the exact global norm, update the local shard only.
import * as E from 'fp-ts/lib/Either.js';
import type { Shape } from '../dsl/index.js';
import { randomKey } from '../dsl/index.js';
import { compile } from '../compiler/index.js';
import type { Executable, Runtime } from '../runtime/index.js';
import type { Objective, StepPrograms } from '../optim/step.js';
import { buildStep, names } from '../optim/step.js';
import type { Transform } from '../optim/transform.js';
import { globalOffsets } from '../optim/tree.js';
import * as g from '../dsl/index.js';
import type { Collectives } from './collectives/collectives.js';
import { sumIsShardInvariant, treeSum } from './collectives/fixed-order-sum.js';
import type { Unit } from './units.js';
import type { UnitLayout } from './layout.js';
import type { Values } from './state/flat-unit.js';
import { chunkFromPieces, chunkOf, flattenUnit, ownedPieces, piecesOfChunk, unflattenUnit } from './state/flat-unit.js';
import type { ShardedGradients } from './sharded-gradients.js';
import { collective, createShardedGradients, globalSquares } from './sharded-gradients.js';
import type { ShardState, ShardingStrategy } from './state/shard-state.js';
import { ownerRank, strategyLayouts, trainableUnits } from './state/shard-state.js';
import { clipCoefficient, scaleInPlace, squarePartials } from './state/exact-norm.js';
import type { UnitGradients } from './unit-gradients.js';
import { createUnitGradients } from './unit-gradients.js';
import { reshardProblems } from './reshard-rule.js';

/** What a transform factory sees of this rank's share: the pieces it owns, and masks cut to them (Child-Tuning D). */
export interface ShardSlice {
  readonly owns: (param: string) => boolean;
  /** A full parameter-sized array cut to this rank's piece of it. */
  readonly slice: (param: string, full: ArrayLike<number>) => Float32Array;
  /** Only the owned parameters' masks, each cut to its piece. */
  readonly sliceMasks: (masks: Readonly<Record<string, ArrayLike<number>>>) => Record<string, Float32Array>;
  /** Masks already cut to this rank's pieces (a distributed selection), as they are; the whole-state slice, built only for its leaves' shapes, gets zeros. */
  readonly ownMasks: (pieces: Readonly<Record<string, ArrayLike<number>>>) => Record<string, Float32Array>;
}

export interface ShardedStepConfig {
  /** The loss of ONE micro-batch over every parameter (its `frozen` is ignored: every parameter is a program input). */
  readonly objective: Objective;
  readonly shapes: Readonly<Record<string, Shape>>;
  readonly units: readonly Unit[];
  /** Trained parameters, in the order an unsharded run lists them (it keys Child-Tuning F's global element indices). */
  readonly trainable: readonly string[];
  /** An elementwise transform (no clipping inside: see maxGradNorm), or one built for this rank's pieces. */
  readonly transform: Transform<any> | ((slice: ShardSlice) => Transform<any>);
  readonly strategy: ShardingStrategy;
  /** Micro-batches per step over all ranks: a power-of-two multiple of W keeps the sums W-independent. */
  readonly microBatches: number;
  /** Clip by the global norm (PyTorch's clip_grad_norm_), computed exactly across ranks. */
  readonly maxGradNorm?: number;
  /**
   * FULL_SHARD only (default true, as FSDP): run the step unit by unit, freeing each (non-root) unit's gathered
   * parameters after its forward and gathering them again for its backward. False gathers every unit once and runs
   * forward and backward as one program (the same bits; more gathered memory, a third fewer bytes moved).
   */
  readonly reshardAfterForward?: boolean;
}

export interface StepOutcome {
  readonly state: ShardState;
  /** Each metric's value on every micro-batch of the step, in micro-batch order (the same on every rank). */
  readonly micro: Readonly<Record<string, Float32Array>>;
  /** Each metric's tree-summed mean over the micro-batches. */
  readonly metrics: Readonly<Record<string, number>>;
  /** The most gathered (padded flat) parameter bytes this rank held at once during the step. */
  readonly peakGatheredBytes: number;
}

/** Whole parameters and whole optimizer state, as an unsharded run holds them (a consolidated checkpoint). */
export interface FullState {
  readonly params: Values;
  /** Leaves by path with the unsharded shapes' element counts (`0/mu/<param>` whole, scalars as they are). */
  readonly opt: Values;
  readonly step: number;
}

export interface ShardedStepper {
  /** This rank's state from the full initial parameters (every rank passes the same). */
  init(params: Values): Promise<E.Either<string, ShardState>>;
  /** The unsharded optimizer state's leaves and shapes (what consolidate returns and restore takes). */
  readonly fullOptShapes: Readonly<Record<string, Shape>>;
  /** Every parameter and optimizer leaf whole, on every rank (collective). */
  consolidate(s: ShardState): Promise<E.Either<string, FullState>>;
  /** This rank's state cut from a whole one, whatever W wrote it: re-sharding is slicing. */
  restore(full: FullState): E.Either<string, ShardState>;
  /** One step on this rank's micro-batches (objective inputs by name, M / W of them). */
  step(s: ShardState, micro: readonly Values[]): Promise<E.Either<string, StepOutcome>>;
  /** Every parameter, whole, on every rank. */
  gather(s: ShardState): Promise<E.Either<string, Values>>;
  destroy(): void;
}

const describe = (problems: readonly { path: string; message: string }[]) => problems.map((p) => `${p.path}: ${p.message}`).join('\n');

/** Builds the programs of one rank's step; every problem (layout, micro-batches, programs) before anything runs. */
export const createShardedStepper = (rt: Runtime, c: Collectives, config: ShardedStepConfig): E.Either<string, ShardedStepper> => {
  const { strategy, microBatches: M } = config;
  const W = c.size;
  if (!sumIsShardInvariant(M, W)) return E.left(`${M} micro-batches cannot be cut over ${W} ranks so that sums do not depend on W: W must be a power of two dividing the micro-batches`);
  const layoutsE = strategyLayouts(config.units, config.shapes, strategy, W);
  const splitE = trainableUnits(config.units, config.trainable);
  const reshardProblem = reshardProblems(strategy, config.reshardAfterForward);
  if (E.isLeft(layoutsE) || E.isLeft(splitE) || reshardProblem.length) return E.left(describe([...(E.isLeft(layoutsE) ? layoutsE.left : []), ...(E.isLeft(splitE) ? splitE.left : []), ...reshardProblem]));
  const resharding = strategy === 'FULL_SHARD' && config.reshardAfterForward !== false;
  const layouts = layoutsE.right;
  const frozen = splitE.right.frozen;
  const trainLayouts = layouts.filter((l) => !frozen.includes(l.unit));
  const owner = ownerRank({ strategy, rank: c.rank });
  const pieces = trainLayouts.flatMap((l) => ownedPieces(l, owner));
  const pieceOf = new Map(pieces.map((p) => [p.name, p]));
  const unsharded = globalOffsets(Object.fromEntries(config.trainable.map((n) => [n, g.zeros(config.shapes[n])])));
  const slice: ShardSlice = {
    owns: (n) => pieceOf.has(n),
    slice: (n, full) => Float32Array.from(Array.prototype.slice.call(full, pieceOf.get(n)!.start, pieceOf.get(n)!.end) as number[]),
    sliceMasks: (masks) => Object.fromEntries(Object.keys(masks).filter((n) => pieceOf.has(n)).map((n) => [n, slice.slice(n, masks[n])])),
    ownMasks: (pieces) => Object.fromEntries(Object.keys(pieces).filter((n) => pieceOf.has(n)).map((n) => [n, Float32Array.from(pieces[n])])),
  };
  const transform = typeof config.transform === 'function' ? config.transform(slice) : config.transform;
  // a rank that owns no piece (a model smaller than W) runs no optimizer
  const optim = pieces.length
    ? buildStep(transform, Object.fromEntries(pieces.map((p) => [p.name, [p.end - p.start]])), undefined, Object.fromEntries(pieces.map((p) => [p.name, unsharded[p.name] + p.start])))
    : undefined;
  if (optim && E.isLeft(optim)) return E.left(`optimizer program: ${optim.left.message}`);
  const programs: StepPrograms | undefined = optim && (optim as E.Right<StepPrograms>).right;
  // the unsharded state's leaves: the same transform over whole parameters (Child-Tuning D's masks whole too)
  const wholeSlice: ShardSlice = { owns: () => true, slice: (_, full) => Float32Array.from(full as ArrayLike<number>), sliceMasks: (masks) => Object.fromEntries(Object.entries(masks).map(([n, m]) => [n, Float32Array.from(m)])), ownMasks: (pieces) => Object.fromEntries(Object.keys(pieces).map((n) => [n, new Float32Array(config.shapes[n].reduce((a, b) => a * b, 1))])) };
  const wholeTransform = typeof config.transform === 'function' ? config.transform(wholeSlice) : config.transform;
  const trainShapes = Object.fromEntries(config.trainable.map((n) => [n, config.shapes[n]]));
  const whole = buildStep(wholeTransform, trainShapes);
  if (E.isLeft(whole)) return E.left(`optimizer program: ${whole.left.message}`);
  const fullOptShapes: Record<string, Shape> = whole.right.init ? Object.fromEntries(Object.entries(whole.right.init.outputs).map(([k, t]) => [k.slice(names.state('').length), t.shape])) : {};
  const trainableSet = new Set(config.trainable);
  /** `0/mu/<param>` -> ['0/mu', '<param>'] for a per-parameter leaf; undefined for a scalar such as `0/count`. */
  const leafParam = (path: string): [string, string] | undefined => {
    const cut = path.lastIndexOf('/');
    const name = path.slice(cut + 1);
    return trainableSet.has(name) ? [path.slice(0, cut), name] : undefined;
  };
  const perUnit = resharding ? createUnitGradients(rt, c, { objective: config.objective, shapes: config.shapes, units: config.units, trainable: config.trainable, layouts, trainLayouts, microBatches: M }) : undefined;
  const gradients = resharding ? undefined : createShardedGradients(rt, c, { objective: config.objective, shapes: config.shapes, trainable: config.trainable, trainLayouts, strategy, microBatches: M });
  const made = perUnit ?? gradients!;
  if (E.isLeft(made)) return made;
  const { metricNames } = made.right;
  /** Every unit gathered at once: what the one-program step holds. */
  const allGatheredBytes = layouts.reduce((n, l) => n + 4 * l.chunk * l.worldSize, 0);
  const stepExe = programs && rt.load(compile(programs.step));
  const initExe: Executable | undefined = programs?.init && rt.load(compile(programs.init));
  const run = async (exe: Executable, feeds: Record<string, Float32Array | readonly Float32Array[]>): Promise<E.Either<string, Record<string, Float32Array>>> =>
    E.mapLeft((e: Error) => `rank ${c.rank}: ${e.message}`)(await exe.run(feeds as never));
  const ownChunk = (s: ShardState, l: UnitLayout) => (strategy === 'FULL_SHARD' ? s.params[l.unit] : chunkOf(l, owner, s.params[l.unit]));
  const paramFeeds = (values: Values) => Object.fromEntries(Object.entries(values).map(([k, v]) => [names.param(k), v.slice()]));

  const gather = async (s: ShardState): Promise<E.Either<string, Values>> => {
    const full: Record<string, Float32Array> = {};
    for (const l of layouts) {
      const flat = strategy === 'FULL_SHARD' ? await collective(c.allGather(s.params[l.unit])) : E.right(s.params[l.unit]);
      if (E.isLeft(flat)) return flat;
      Object.assign(full, unflattenUnit(l, flat.right));
    }
    return E.right(full);
  };

  /** Every unit gathered, then one program per micro-batch (forward and backward together). */
  const gatherAndReduce = async (s: ShardState, micro: readonly Values[]) => {
    const full = await gather(s);
    if (E.isLeft(full)) return full;
    return E.map((r: { chunks: Record<string, Float32Array>; metrics: Record<string, Float32Array> }) => ({ ...r, peakGatheredBytes: allGatheredBytes }))(await (gradients as E.Right<ShardedGradients>).right.reduce(full.right, micro));
  };

  /** The clip coefficient from the exact squared norm of every rank's gradient chunks. */
  const clip = async (chunks: readonly Float32Array[]): Promise<E.Either<string, number>> => {
    // NO_SHARD: every rank holds every gradient already
    const squares = await globalSquares(c, [squarePartials(chunks)], strategy === 'NO_SHARD');
    return E.map((sq: number[]) => clipCoefficient(config.maxGradNorm!, sq[0]))(squares);
  };

  const step = async (s: ShardState, micro: readonly Values[]): Promise<E.Either<string, StepOutcome>> => {
    const reduced = perUnit ? await (perUnit as E.Right<UnitGradients>).right.reduce(s, micro) : await gatherAndReduce(s, micro);
    if (E.isLeft(reduced)) return reduced;
    const { chunks, metrics, peakGatheredBytes } = reduced.right;
    if (config.maxGradNorm !== undefined) {
      const coef = await clip(Object.values(chunks));
      if (E.isLeft(coef)) return coef;
      if (coef.right < 1) for (const k of Object.keys(chunks)) scaleInPlace(chunks[k], coef.right);
    }
    let opt = s.opt;
    const params: Record<string, Float32Array> = { ...s.params };
    if (stepExe && programs) {
      const gradPieces = Object.fromEntries(trainLayouts.flatMap((l) => Object.entries(piecesOfChunk(l, owner, chunks[l.unit]))).map(([k, v]) => [names.grad(k), v.slice()]));
      const paramPieces = Object.fromEntries(trainLayouts.flatMap((l) => Object.entries(piecesOfChunk(l, owner, ownChunk(s, l)))));
      const keys = Object.fromEntries(programs.keySeeds.map((seed) => [names.key(seed), Float32Array.of(randomKey(seed, (s.step + 1) % 2 ** 24))]));
      const fixed = Object.fromEntries(Object.entries(programs.fixed).map(([k, f]) => [k, Float32Array.from(f.values)]));
      const out = await run(stepExe, { ...paramFeeds(paramPieces), ...gradPieces, ...Object.fromEntries(Object.entries(s.opt).map(([k, v]) => [names.state(k), v])), ...keys, ...fixed });
      if (E.isLeft(out)) return out;
      opt = Object.fromEntries(programs.state.map((p) => [p, out.right[names.state(p)]]));
      const updated = Object.fromEntries(pieces.map((p) => [p.name, out.right[names.param(p.name)]]));
      for (const l of trainLayouts) {
        const chunk = chunkFromPieces(l, owner, updated);
        if (strategy === 'SHARD_GRAD_OP') {
          const flat = await collective(c.allGather(chunk));
          if (E.isLeft(flat)) return flat;
          params[l.unit] = flat.right;
        } else params[l.unit] = chunk;
      }
    } else if (strategy === 'SHARD_GRAD_OP') {
      // no pieces here, but the peers' all-gathers still need this rank's (padding-only) chunks
      for (const l of trainLayouts) {
        const flat = await collective(c.allGather(chunkOf(l, owner, s.params[l.unit])));
        if (E.isLeft(flat)) return flat;
        params[l.unit] = flat.right;
      }
    }
    const means = Object.fromEntries(metricNames.map((m) => [m, treeSum(Array.from(metrics[m], (v) => Float32Array.of(v)))[0] / M]));
    return E.right({ state: { ...s, step: s.step + 1, params, opt }, micro: metrics, metrics: means, peakGatheredBytes });
  };

  const consolidate = async (s: ShardState): Promise<E.Either<string, FullState>> => {
    const params = await gather(s);
    if (E.isLeft(params)) return params;
    const opt: Record<string, Float32Array> = {};
    const prefixes = [...new Set(Object.keys(fullOptShapes).flatMap((p) => leafParam(p)?.[0] ?? []))];
    for (const prefix of prefixes)
      for (const l of trainLayouts) {
        const has = l.params.filter((slot) => `${prefix}/${slot.name}` in fullOptShapes);
        if (!has.length) continue;
        const mine = Object.fromEntries(ownedPieces(l, owner).map((p) => [p.name, s.opt[`${prefix}/${p.name}`] ?? new Float32Array(p.end - p.start)]));
        const chunk = chunkFromPieces(l, owner, mine);
        // NO_SHARD: every rank holds the whole unit already
        const flat = strategy === 'NO_SHARD' ? E.right(chunk) : await collective(c.allGather(chunk));
        if (E.isLeft(flat)) return flat;
        const values = unflattenUnit(l, flat.right);
        for (const slot of has) opt[`${prefix}/${slot.name}`] = values[slot.name];
      }
    for (const path of Object.keys(fullOptShapes).filter((p) => !leafParam(p))) {
      const size = fullOptShapes[path].reduce((a, b) => a * b, 1);
      // replicated scalars: rank 0 always owns a piece, so it has them
      const got = await collective(c.broadcast(s.opt[path] ?? new Float32Array(size), 0));
      if (E.isLeft(got)) return got;
      opt[path] = got.right;
    }
    return E.right({ params: params.right, opt, step: s.step });
  };

  const restore = (full: FullState): E.Either<string, ShardState> => {
    const missing = [
      ...layouts.flatMap((l) => l.params.filter((p) => full.params[p.name]?.length !== p.size).map((p) => `parameter '${p.name}': expected ${p.size} values, got ${full.params[p.name]?.length ?? 'none'}`)),
      ...Object.entries(fullOptShapes).filter(([k, sh]) => full.opt[k]?.length !== sh.reduce((a, b) => a * b, 1)).map(([k, sh]) => `optimizer state '${k}': expected ${sh.reduce((a, b) => a * b, 1)} values, got ${full.opt[k]?.length ?? 'none'}`),
      ...Object.keys(full.opt).filter((k) => !(k in fullOptShapes)).map((k) => `optimizer state '${k}': not a leaf of this optimizer`),
    ];
    if (missing.length) return E.left(`cannot restore: ${missing.join('; ')}`);
    const params = Object.fromEntries(layouts.map((l) => {
      const flat = flattenUnit(l, full.params);
      return [l.unit, strategy === 'FULL_SHARD' ? chunkOf(l, owner, flat) : flat];
    }));
    const opt: Record<string, Float32Array> = {};
    if (programs)
      for (const path of programs.state) {
        const lp = leafParam(path);
        opt[path] = lp ? full.opt[path].slice(pieceOf.get(lp[1])!.start, pieceOf.get(lp[1])!.end) : full.opt[path].slice();
      }
    return E.right({ strategy, rank: c.rank, size: W, step: full.step, layouts, frozen, params, opt });
  };

  return E.right({
    fullOptShapes,
    consolidate,
    restore,
    init: async (full) => {
      const params = Object.fromEntries(layouts.map((l) => {
        const flat = flattenUnit(l, full);
        return [l.unit, strategy === 'FULL_SHARD' ? chunkOf(l, owner, flat) : flat];
      }));
      let opt: Values = {};
      if (initExe) {
        const paramPieces = Object.fromEntries(trainLayouts.flatMap((l) => Object.entries(piecesOfChunk(l, owner, chunkOf(l, owner, flattenUnit(l, full))))));
        const out = await run(initExe, paramFeeds(paramPieces));
        if (E.isLeft(out)) return out;
        opt = Object.fromEntries(programs!.state.map((p) => [p, out.right[names.state(p)]]));
      }
      return E.right({ strategy, rank: c.rank, size: W, step: 0, layouts, frozen, params, opt });
    },
    step,
    gather,
    destroy: () => {
      made.right.destroy();
      stepExe?.destroy();
      initExe?.destroy();
    },
  });
};
