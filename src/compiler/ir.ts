// Program -> canonical IR: dense ids, common subexpressions merged, dead nodes dropped.
import type { DType } from '../dsl/dtype.js';
import type { Shape } from '../dsl/shape.js';
import type { Op, Tensor } from '../dsl/tensor.js';
import type { Program } from '../dsl/program.js';
import * as E from 'fp-ts/lib/Either.js';
import { topoOrder } from '../dsl/graph.js';
import { interpret } from '../dsl/interpret.js';

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
  JSON.stringify([t.op, t.shape, t.dtype, inputs], exactNumbers);

/** JSON writes -0 as 0 and ±Infinity and NaN as null: each kept apart as its own string (1 / x tells -0 from 0). */
const exactNumbers = (_: string, v: unknown): unknown => (typeof v === 'number' && (Object.is(v, -0) || !Number.isFinite(v)) ? `number:${Object.is(v, -0) ? '-0' : v}` : v);

const FOLDABLE = new Set(['unary', 'binary', 'where', 'cast', 'broadcast', 'reshape']);
const scalarValue = (n: IRNode): number | undefined => (n.op.kind === 'constant' && n.op.values.length === 1 ? n.op.values[0] : undefined);

/** An elementwise op over single-valued constants is itself a constant (evaluated as the f32 interpreter, so as the kernels would). */
const foldConstants = (t: Tensor, inputs: readonly IRNode[]): Tensor => {
  if (!FOLDABLE.has(t.op.kind) || inputs.length === 0 || inputs.some((i) => scalarValue(i) === undefined)) return t;
  const feeds = Object.fromEntries(inputs.map((i, k) => [`c${k}`, [scalarValue(i)!]]));
  const folded = interpret(
    { inputs: inputs.map((i, k) => ({ name: `c${k}`, shape: [], dtype: i.dtype })), outputs: { v: { ...t, shape: [], inputs: inputs.map((i, k) => ({ id: -1 - k, op: { kind: 'input', name: `c${k}` }, inputs: [], shape: [], dtype: i.dtype })) } } },
    feeds,
    'f32',
  );
  if (E.isLeft(folded)) return t;
  const v = folded.right.v[0];
  return { ...t, op: { kind: 'constant', values: [t.dtype === 'f32' ? Math.fround(v) : v] }, inputs: [] };
};

export const toIR = (prog: Program): IR => {
  const canonical = new Map<number, number>();
  const byKey = new Map<string, number>();
  const nodes: IRNode[] = [];
  let merged = 0;
  for (const t0 of topoOrder(Object.values(prog.outputs))) {
    const inputs = t0.inputs.map((i) => canonical.get(i.id)!);
    const t = foldConstants(t0, inputs.map((i) => nodes[i]));
    if (t !== t0) inputs.length = 0;
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
