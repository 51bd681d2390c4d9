// Program -> canonical IR: dense ids, common subexpressions merged, dead nodes dropped.
import type { DType } from '../dsl/dtype.js';
import type { Shape } from '../dsl/shape.js';
import type { Op, Tensor } from '../dsl/tensor.js';
import type { Program } from '../dsl/program.js';
import { topoOrder } from '../dsl/graph.js';

export interface IRNode {
  readonly id: number;
  readonly op: Op;
  readonly inputs: readonly number[];
  readonly shape: Shape;
  readonly dtype: DType;
}

export interface IR {
  /** Topologically ordered; only nodes some output needs. */
  readonly nodes: readonly IRNode[];
  readonly outputs: Readonly<Record<string, number>>;
  /** How many nodes were merged away as duplicates. */
  readonly merged: number;
}

/** Structural identity: same op, attributes, type and (canonical) inputs compute the same values. */
const keyOf = (t: Tensor, inputs: readonly number[]): string =>
  JSON.stringify([t.op, t.shape, t.dtype, inputs]);

export const toIR = (prog: Program): IR => {
  const canonical = new Map<number, number>();
  const byKey = new Map<string, number>();
  const nodes: IRNode[] = [];
  let merged = 0;
  for (const t of topoOrder(Object.values(prog.outputs))) {
    const inputs = t.inputs.map((i) => canonical.get(i.id)!);
    const key = keyOf(t, inputs);
    const existing = byKey.get(key);
    if (existing !== undefined) {
      canonical.set(t.id, existing);
      merged++;
      continue;
    }
    const id = nodes.length;
    nodes.push({ id, op: t.op, inputs, shape: t.shape, dtype: t.dtype });
    byKey.set(key, id);
    canonical.set(t.id, id);
  }
  const outputs = Object.fromEntries(Object.entries(prog.outputs).map(([name, t]) => [name, canonical.get(t.id)!]));
  return { nodes, outputs, merged };
};
