// The gradient half of a FULL_SHARD step run unit by unit, as FSDP runs it: gather a unit before its first forward
// segment, free it after its last (reshard_after_forward; the root unit stays, as FSDP keeps the root), gather it
// again for its backward (not when no gradient flows through it), reduce-scatter its gradient as soon as its first
// segment's backward is done, free it.
import * as E from 'fp-ts/lib/Either.js';
import type { Shape } from '../dsl/index.js';
import { compile } from '../compiler/index.js';
import type { Executable, Runtime } from '../runtime/index.js';
import type { Objective } from '../optim/step.js';
import type { Collectives } from './collectives/collectives.js';
import type { UnitLayout } from './layout.js';
import type { Values } from './state/flat-unit.js';
import { unflattenUnit } from './state/flat-unit.js';
import type { ShardState } from './state/shard-state.js';
import { allMetrics, collective, reduceUnit } from './sharded-gradients.js';
import type { Unit } from './units.js';
import { ROOT_UNIT } from './units.js';
import { segmentedGradient } from '../optim/segmented-gradient.js';

export interface UnitGradientsConfig {
  readonly objective: Objective;
  readonly shapes: Readonly<Record<string, Shape>>;
  readonly units: readonly Unit[];
  readonly trainable: readonly string[];
  /** Every non-empty unit's layout (frozen ones too: they are gathered for the forward). */
  readonly layouts: readonly UnitLayout[];
  readonly trainLayouts: readonly UnitLayout[];
  readonly microBatches: number;
}

export interface UnitGradientsOutcome {
  readonly chunks: Record<string, Float32Array>;
  readonly metrics: Record<string, Float32Array>;
  /** The most gathered (padded flat) parameter bytes this rank held at once during the step. */
  readonly peakGatheredBytes: number;
}

export interface UnitGradients {
  reduce(s: ShardState, micro: readonly Values[]): Promise<E.Either<string, UnitGradientsOutcome>>;
  readonly metricNames: readonly string[];
  destroy(): void;
}

export const createUnitGradients = (rt: Runtime, c: Collectives, config: UnitGradientsConfig): E.Either<string, UnitGradients> => {
  const { microBatches: M } = config;
  const split = segmentedGradient(config.objective, config.shapes, config.trainable, config.units);
  if (E.isLeft(split)) return E.left(`per-unit programs: ${split.left}`);
  const { segments, gradOf, metricNames, span } = split.right;
  const forwards: Executable[] = segments.map((s) => rt.load(compile(s.forward)));
  const backwards: (Executable | undefined)[] = segments.map((s) => s.backward && rt.load(compile(s.backward)));
  const layoutOf = new Map(config.layouts.map((l) => [l.unit, l]));
  /** Per segment: the activations no earlier segment reads, dropped once its backward has run. */
  const lastRead = new Map<string, number>();
  segments.forEach((s, i) => s.forward.inputs.forEach((x) => x.name.startsWith('b:') && !lastRead.has(x.name) && lastRead.set(x.name, i)));
  const dropAfter = segments.map((_, i) => [...lastRead].filter(([, at]) => at === i).map(([name]) => name));
  const trained = new Set(config.trainLayouts.map((l) => l.unit));
  const run = async (exe: Executable, inputs: readonly { name: string }[], pool: (name: string) => Float32Array | undefined) => {
    const feeds = Object.fromEntries(inputs.map((i) => [i.name, pool(i.name)!.slice()]));
    return E.mapLeft((e: Error) => `rank ${c.rank}: ${e.message}`)(await exe.run(feeds as never));
  };

  const reduce = async (s: ShardState, micro: readonly Values[]): Promise<E.Either<string, UnitGradientsOutcome>> => {
    if (micro.length * c.size !== M) return E.left(`rank ${c.rank}: got ${micro.length} micro-batches, expected ${M / c.size} (${M} over ${c.size} ranks)`);
    const held = new Map<string, { values: Record<string, Float32Array>; bytes: number }>();
    let heldBytes = 0;
    let peak = 0;
    const hold = async (units: readonly string[]): Promise<E.Either<string, void>> => {
      for (const u of units) {
        const l = layoutOf.get(u);
        if (!l || held.has(u)) continue;
        const flat = await collective(c.allGather(s.params[u]));
        if (E.isLeft(flat)) return flat;
        held.set(u, { values: unflattenUnit(l, flat.right), bytes: flat.right.byteLength });
        heldBytes += flat.right.byteLength;
        peak = Math.max(peak, heldBytes);
      }
      return E.right(undefined);
    };
    const free = (u: string) => {
      heldBytes -= held.get(u)?.bytes ?? 0;
      held.delete(u);
    };
    const param = (name: string) => {
      for (const h of held.values()) if (name in h.values) return h.values[name];
      return undefined;
    };
    const acts = micro.map(() => new Map<string, Float32Array>());
    const metrics = micro.map(() => ({}) as Record<string, Float32Array>);
    const pool = (k: number) => (name: string) => (name.startsWith('p:') ? param(name.slice(2)) : name.startsWith('x:') ? micro[k][name.slice(2)] : acts[k].get(name));
    for (let i = 0; i < segments.length; i++) {
      const got = await hold(segments[i].groups);
      if (E.isLeft(got)) return got;
      for (let k = 0; k < micro.length; k++) {
        const out = await run(forwards[i], segments[i].forward.inputs, pool(k));
        if (E.isLeft(out)) return out;
        for (const [name, v] of Object.entries(out.right)) if (name.startsWith('m:')) metrics[k][name] = v; else acts[k].set(name, v);
      }
      for (const u of segments[i].groups) if (span[u].last === i && u !== ROOT_UNIT) free(u);
    }
    const chunks: Record<string, Float32Array> = {};
    const finish = async (u: string): Promise<E.Either<string, void>> => {
      const l = layoutOf.get(u);
      if (!l || !trained.has(u)) return E.right(undefined);
      const grads = acts.map((a) => Object.fromEntries(l.params.map((p) => [p.name, (gradOf[p.name] && a.get(gradOf[p.name])) || new Float32Array(p.size)])));
      for (const a of acts) for (const p of l.params) if (gradOf[p.name]) a.delete(gradOf[p.name]);
      const reduced = await reduceUnit(c, 'FULL_SHARD', M, l, grads);
      if (E.isLeft(reduced)) return reduced;
      chunks[u] = reduced.right;
      return E.right(undefined);
    };
    for (let i = segments.length - 1; i >= 0; i--) {
      const b = segments[i].backward;
      // a segment no gradient flows through (frozen units) runs nothing: its units are not gathered again
      const got = b ? await hold(segments[i].groups) : E.right(undefined);
      if (E.isLeft(got)) return got;
      if (b)
        for (let k = 0; k < micro.length; k++) {
          const out = await run(backwards[i]!, b.inputs, pool(k));
          if (E.isLeft(out)) return out;
          // cotangents this backward finished with are dropped; the ones it returns replace them
          for (const x of b.inputs) if (x.name.startsWith('c:')) acts[k].delete(x.name);
          for (const [name, v] of Object.entries(out.right)) acts[k].set(name, v);
        }
      for (const a of acts) for (const name of dropAfter[i]) a.delete(name);
      for (const u of segments[i].groups)
        if (span[u].first === i) {
          free(u);
          const done = await finish(u);
          if (E.isLeft(done)) return done;
        }
    }
    // units the objective never reads: zero gradients, still reduced on every rank
    for (const l of config.trainLayouts)
      if (!(l.unit in span)) {
        const done = await finish(l.unit);
        if (E.isLeft(done)) return done;
      }
    const all = await allMetrics(c, metricNames, metrics);
    return E.map((m: Record<string, Float32Array>) => ({ chunks, metrics: m, peakGatheredBytes: peak }))(all);
  };

  return E.right({
    reduce,
    metricNames,
    destroy: () => {
      for (const x of [...forwards, ...backwards]) x?.destroy();
    },
  });
};
