// How one unit's flat buffer is cut over W ranks: equal chunks of ceil(N / W), the last ones zero-padded (FSDP's FlatParameter).
import * as E from 'fp-ts/lib/Either.js';
import type { SpecProblem } from '../optim/model-spec.js';
import type { Shapes, Unit } from './units.js';
import { numel } from './units.js';

/** The part of one parameter that one rank holds, in the parameter's own element coordinates; empty when start === end. */
export interface ParamPiece {
  readonly rank: number;
  readonly start: number;
  readonly end: number;
  /** Where the piece begins inside the rank's chunk. */
  readonly at: number;
}

export interface ParamSlot {
  readonly name: string;
  readonly shape: readonly number[];
  /** [offset, offset + size) in the flat buffer. */
  readonly offset: number;
  readonly size: number;
  /** One entry per rank, in rank order. */
  readonly pieces: readonly ParamPiece[];
}

export interface RankShard {
  readonly rank: number;
  /** Real elements [start, end) of the flat buffer; end - start + padding = chunk. */
  readonly start: number;
  readonly end: number;
  readonly padding: number;
  /** Parameters with at least one element on this rank, in flat order. */
  readonly params: readonly string[];
}

export interface UnitLayout {
  readonly unit: string;
  readonly class: string;
  readonly worldSize: number;
  /** N: real elements in the flat buffer. */
  readonly numel: number;
  /** c = ceil(N / W): elements per rank, padding included. */
  readonly chunk: number;
  /** c * W - N zeros at the end of the buffer; always < W. */
  readonly padding: number;
  readonly params: readonly ParamSlot[];
  readonly ranks: readonly RankShard[];
}

const checkWorldSize = (worldSize: number): SpecProblem[] =>
  Number.isInteger(worldSize) && worldSize >= 1 ? [] : [{ path: 'worldSize', message: `world size ${worldSize} must be an integer >= 1` }];

/** The layout of `unit` over `worldSize` ranks, or the problems (bad world size, parameters without a shape). */
export const unitLayout = (unit: Unit, shapes: Shapes, worldSize: number): E.Either<SpecProblem[], UnitLayout> => {
  const problems = [...checkWorldSize(worldSize), ...unit.params.filter((p) => !(p in shapes)).map((p) => ({ path: `shapes.${p}`, message: `no shape for parameter '${p}' of unit '${unit.name}'` }))];
  if (problems.length) return E.left(problems);
  const W = worldSize;
  let offset = 0;
  const placed = unit.params.map((name) => {
    const size = numel(shapes[name]);
    const slot = { name, shape: shapes[name], offset, size };
    offset += size;
    return slot;
  });
  const N = offset;
  const chunk = Math.ceil(N / W);
  const ranks = Array.from({ length: W }, (_, r) => r);
  const params = placed.map((s) => ({
    ...s,
    pieces: ranks.map((rank) => {
      // intersect [offset, offset + size) with the rank's [r*c, (r+1)*c), in the parameter's coordinates
      const lo = Math.max(s.offset, rank * chunk);
      const hi = Math.min(s.offset + s.size, (rank + 1) * chunk);
      return hi > lo ? { rank, start: lo - s.offset, end: hi - s.offset, at: lo - rank * chunk } : { rank, start: 0, end: 0, at: 0 };
    }),
  }));
  const shards = ranks.map((rank) => {
    const start = Math.min(rank * chunk, N);
    const end = Math.min((rank + 1) * chunk, N);
    return { rank, start, end, padding: chunk - (end - start), params: params.filter((p) => p.pieces[rank].end > p.pieces[rank].start).map((p) => p.name) };
  });
  return E.right({ unit: unit.name, class: unit.class, worldSize: W, numel: N, chunk, padding: chunk * W - N, params, ranks: shards });
};

/** Every unit's layout, or every problem of every unit. */
export const shardLayout = (units: readonly Unit[], shapes: Shapes, worldSize: number): E.Either<SpecProblem[], UnitLayout[]> => {
  const results = units.map((u) => unitLayout(u, shapes, worldSize));
  const problems = [...new Map(results.flatMap((r) => (E.isLeft(r) ? r.left : [])).map((p) => [`${p.path}: ${p.message}`, p])).values()];
  return problems.length ? E.left(problems) : E.right(results.map((r) => (r as E.Right<UnitLayout>).right));
};

/** Whether a piece holds the whole parameter, part of it, or nothing. */
export const pieceKind = (slot: ParamSlot, piece: ParamPiece): 'whole' | 'partial' | 'none' =>
  piece.end === piece.start ? 'none' : piece.end - piece.start === slot.size ? 'whole' : 'partial';
