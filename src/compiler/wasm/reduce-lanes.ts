// Max reductions along a contiguous axis with the four f32x4 lanes over the reduced index j instead
// of over four outputs: the outputs' rows are read with v128 loads, not gathered lane by lane.
// Order (fixed, the same for every element and every split of the index space): lane l takes
// v(start+l), v(start+4+l), … over the whole groups of four; r = init ⊕ ((l0 ⊕ l1) ⊕ (l2 ⊕ l3));
// then the tail in order. Only max uses it (its result does not depend on the order); sums keep the
// index order every renderer and the f32 interpreter share, though the emitter could sum this way.
import type { KNode } from '../kernel-ir/types.js';
import { allNodes, operands } from '../kernel-ir/types.js';
import type { Code } from './encoder.js';
import type { LaneShape } from './lanes.js';

type Accumulate = Extract<KNode, { op: 'accumulate' }>;

/** How the body of an accumulation runs over j: the j-dependent nodes, and the i32 ones among them linear in j. */
export interface ReducedLanes {
  readonly dependent: ReadonlySet<number>;
  readonly shapes: ReadonlyMap<number, LaneShape>;
  readonly loopIndex: number;
}

/** Below this many reduced elements the old outputs-in-lanes form stays. */
const MIN_REDUCED = 8;

/**
 * The lanes-over-j form of `n`, when it is an f32 max whose body reads at least one buffer along j with
 * stride 1 that the outputs-in-lanes form would gather (`gathered`: a load index without an output lane shape),
 * every j-dependent integer is j plus or minus a j-independent value, and no accumulation nests inside.
 */
export const reducedLanes = (n: Accumulate, gathered: (loadIndex: number) => boolean): ReducedLanes | undefined => {
  // only max: its result does not depend on the order, so every backend and the f32 interpreter agree;
  // a sum in lanes would add in another order than the index order the IR (and WGSL, gpu.js) define
  if (n.fn !== 'max' || n.type !== 'f32' || n.count - n.start < MIN_REDUCED) return undefined;
  const j = n.body.find((b) => b.op === 'loopIndex' && b.loop === n.id);
  if (!j || n.body.some((b) => b.op === 'accumulate')) return undefined;
  const dependent = new Set<number>([j.id]);
  const shapes = new Map<number, LaneShape>([[j.id, 'linear']]);
  const isLinear = (id: number) => shapes.get(id) === 'linear';
  let contiguous = false;
  for (const b of n.body) {
    if (b === j || !operands(b).some((o) => dependent.has(o))) continue;
    dependent.add(b.id);
    if (b.type === 'i32' || b.type === 'u32') {
      const ok = b.op === 'binary' && ((b.fn === 'add' && isLinear(b.a) !== isLinear(b.b) && (isLinear(b.a) || !dependent.has(b.a)) && (isLinear(b.b) || !dependent.has(b.b)))
        || (b.fn === 'sub' && isLinear(b.a) && !dependent.has(b.b)));
      if (!ok) return undefined;
      shapes.set(b.id, 'linear');
    } else if (b.op === 'load') {
      if (!isLinear(b.index)) return undefined;
      contiguous ||= gathered(b.index);
    }
  }
  return contiguous && dependent.has(n.value) ? { dependent, shapes, loopIndex: j.id } : undefined;
};

/** What the emitter lends this form. */
export interface LaneHost {
  readonly c: Code;
  sLocal(id: number): number;
  vLocal(id: number): number;
  node(id: number): KNode;
  /** Runs `f` with the j-dependent nodes as the varying ones, their lane shapes, and lane 0 of the linear ones in `first`. */
  withLanes(r: ReducedLanes, first: ReadonlyMap<number, number>, f: () => void): void;
  emitVector(n: KNode): void;
  emitScalar(n: KNode): void;
  /** Outer values the body reads, each set into its scalar local as lane `lane` of the four outputs (vector loops). */
  scalarsOfLane(ids: readonly number[], lane: number): void;
}

/** Values defined outside the body that the body, its value or its init read. */
const outerReads = (n: Accumulate): number[] => {
  const inside = new Set(allNodes(n.body).map((b) => b.id));
  const reads = [n.init, n.value, ...n.body.flatMap(operands)];
  return [...new Set(reads.filter((id) => !inside.has(id)))];
};

/** One output's reduction into the scalar local of `n`, its outer reads already in scalar locals. */
const reduceOne = (h: LaneHost, n: Accumulate, r: ReducedLanes): void => {
  const c = h.c;
  const acc = c.local('v128');
  const jl = h.sLocal(r.loopIndex);
  const out = h.sLocal(n.id);
  const sum = n.fn === 'sum';
  // j-independent body values: once per output
  for (const b of n.body) if (!r.dependent.has(b.id)) h.emitScalar(b);
  c.get(h.sLocal(n.init)).set(out);
  if (sum) c.f32(0).simd('f32x4.splat').set(acc);
  else c.get(out).simd('f32x4.splat').set(acc);
  c.i32(n.start).set(jl);
  // whole groups of four: j .. j+3 in the four lanes
  c.open('block').open('loop');
  c.get(jl).i32(4).op('i32.add').i32(n.count).op('i32.gt_s').op('br_if', 1);
  h.withLanes(r, new Map([[r.loopIndex, jl]]), () => {
    c.get(jl).simd('i32x4.splat').v128i32([0, 1, 2, 3]).simd('i32x4.add').set(h.vLocal(r.loopIndex));
    for (const b of n.body) if (r.dependent.has(b.id) && b.id !== r.loopIndex) h.emitVector(b);
  });
  c.get(acc).get(h.vLocal(n.value)).simd(sum ? 'f32x4.add' : 'f32x4.max').set(acc);
  c.get(jl).i32(4).op('i32.add').set(jl).op('br', 0).op('end').op('end');
  // out = init op ((lane0 op lane1) op (lane2 op lane3))
  const op = sum ? 'f32.add' : 'f32.max';
  c.get(out);
  c.get(acc).lane('f32x4.extract_lane', 0).get(acc).lane('f32x4.extract_lane', 1).op(op);
  c.get(acc).lane('f32x4.extract_lane', 2).get(acc).lane('f32x4.extract_lane', 3).op(op);
  c.op(op).op(op).set(out);
  // the tail, in order
  c.open('block').open('loop');
  c.get(jl).i32(n.count).op('i32.ge_s').op('br_if', 1);
  for (const b of n.body) if (r.dependent.has(b.id) && b.id !== r.loopIndex) h.emitScalar(b);
  c.get(out).get(h.sLocal(n.value)).op(op).set(out);
  c.get(jl).i32(1).op('i32.add').set(jl).op('br', 0).op('end').op('end');
};

/** The accumulation for one element (scalar loops) or four (vector loops, one output after another into the lanes). */
export const emitReducedLanes = (h: LaneHost, n: Accumulate, r: ReducedLanes, vector: boolean): void => {
  if (!vector) return reduceOne(h, n, r);
  const c = h.c;
  const result = c.local('v128');
  const reads = outerReads(n);
  c.f32(0).simd('f32x4.splat').set(result);
  for (let lane = 0; lane < 4; lane++) {
    h.scalarsOfLane(reads, lane);
    reduceOne(h, n, r);
    c.get(result).get(h.sLocal(n.id)).lane('f32x4.replace_lane', lane).set(result);
  }
  c.get(result).set(h.vLocal(n.id));
};
