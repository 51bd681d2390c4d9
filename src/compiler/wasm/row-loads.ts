// Reductions with four outputs in the four lanes read, per reduced index j, one element of each output's row:
// a gather of four scalar loads. A load at B + j (B each output's row start, j the loop counter) reads instead
// four j steps of each lane's row with one v128 load, and a 4x4 transpose in registers gives each step's
// four-lane vector. The values and the j order are those of the gather, so the bits are too.
import type { KNode } from '../kernel-ir/types.js';
import type { Code } from './encoder.js';
import type { LaneShape } from './lanes.js';

type Accumulate = Extract<KNode, { op: 'accumulate' }>;

/** A body load read along its output's row: element `base` + j of `buffer`, `base` defined outside the body. */
export interface RowLoad {
  readonly load: number;
  readonly buffer: number;
  readonly base: number;
}

/** What the emitter knows of nodes outside the body. */
export interface RowHost {
  node(id: number): KNode;
  isVarying(id: number): boolean;
  laneShape(id: number): LaneShape | undefined;
}

/** The loads of `n`'s body that the outputs-in-lanes form would gather and that read along j with stride 1. */
export const rowLoads = (h: RowHost, n: Accumulate): RowLoad[] => {
  if (n.body.some((b) => b.op === 'accumulate')) return [];
  const j = n.body.find((b) => b.op === 'loopIndex' && b.loop === n.id);
  if (!j) return [];
  const inside = new Set(n.body.map((b) => b.id));
  const rows: RowLoad[] = [];
  for (const b of n.body) {
    if (b.op !== 'load' || h.laneShape(b.index) !== undefined) continue;
    const index = h.node(b.index);
    if (index.op !== 'binary' || index.fn !== 'add' || index.type !== 'i32') continue;
    const base = index.a === j.id ? index.b : index.b === j.id ? index.a : undefined;
    // a base with a lane shape would make the index one too (a v128 or splatted load already)
    if (base === undefined || inside.has(base) || !h.isVarying(base) || h.laneShape(base) !== undefined) continue;
    rows.push({ load: b.id, buffer: b.buffer, base });
  }
  return rows;
};

/** The 4x4 transpose of four v128 locals (rows) into four new ones: column q holds element q of each row. */
export const transpose4 = (c: Code, rows: readonly number[]): number[] => {
  const [lo01, lo23, hi01, hi23] = [c.local('v128'), c.local('v128'), c.local('v128'), c.local('v128')];
  c.get(rows[0]).get(rows[1]).shuffle32([0, 4, 1, 5]).set(lo01);
  c.get(rows[2]).get(rows[3]).shuffle32([0, 4, 1, 5]).set(lo23);
  c.get(rows[0]).get(rows[1]).shuffle32([2, 6, 3, 7]).set(hi01);
  c.get(rows[2]).get(rows[3]).shuffle32([2, 6, 3, 7]).set(hi23);
  const halves = [[lo01, lo23, [0, 1, 4, 5]], [lo01, lo23, [2, 3, 6, 7]], [hi01, hi23, [0, 1, 4, 5]], [hi01, hi23, [2, 3, 6, 7]]] as const;
  return halves.map(([a, b, sel]) => {
    const r = c.local('v128');
    c.get(a).get(b).shuffle32(sel).set(r);
    return r;
  });
};
