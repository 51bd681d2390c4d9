// The backward pass: one sweep over the graph in reverse topological order, summing the
// cotangents that reach each tensor and handing them to its op's VJP rule (reverse-mode AD as in
// jax-js's `vjp` and micrograd's `backward`, over immutable nodes). It only builds graph.
import type { Tensor } from '../tensor.js';
import { zeros } from '../ops/create.js';
import { add } from '../ops/elementwise.js';
import { reshape } from '../ops/movement.js';
import { topoOrder } from '../graph.js';
import type { OperandCotangents } from './elementwise-rules.js';
import { binaryVjp, castVjp, unaryVjp, whereVjp } from './elementwise-rules.js';
import { matmulVjp, padInto, scatterAdd, transposeBack, unbroadcast, unconcat, unmax, unsum } from './structural-rules.js';

/** The cotangents of `t`'s inputs, given the cotangent `ct` of `t` itself. */
export const vjpRule = (t: Tensor, ct: Tensor): OperandCotangents => {
  const op = t.op;
  const [x, y] = t.inputs;
  switch (op.kind) {
    case 'unary':
      return unaryVjp(op.fn, x, t, ct);
    case 'binary':
      return binaryVjp(op.fn, x, y, t, ct);
    case 'where':
      return whereVjp(x, ct);
    case 'cast':
      return castVjp(x, t, ct);
    case 'broadcast':
      return [unbroadcast(ct, x.shape)];
    case 'reshape':
      return [op.stopGradient ? undefined : reshape(ct, x.shape)];
    case 'slice':
      return [padInto(ct, x.shape, op.starts)];
    case 'transpose':
      return [transposeBack(ct, op.perm)];
    case 'concat':
      return unconcat(ct, t.inputs, op.axis);
    case 'gather':
      return [scatterAdd(ct, x, y, op.axis), undefined];
    case 'reduce':
      return [op.fn === 'sum' ? unsum(ct, x, op.axes) : unmax(ct, x, t, op.axes)];
    case 'matmul':
      return matmulVjp(x, y, ct);
    case 'input':
    case 'constant':
    case 'iota':
    case 'random':
      // leaves, index grids and random draws: nothing (or only an i32 key) upstream
      return t.inputs.map(() => undefined);
  }
};

/** A tensor read by several ops gets the sum of their cotangents. */
const sumAll = (parts: readonly Tensor[]): Tensor => parts.reduce((acc, p) => add(acc, p));

/**
 * Cotangents of `wrt` given the cotangents of `outputs`, undefined where none reaches. Only f32 tensors
 * that depend on some `wrt` tensor carry cotangents (integer and bool values are piecewise constant).
 * `order` (inputs before users) sets the sweep, so the sums of a graph cut in pieces keep the whole graph's order.
 */
export const reachingCotangents = (outputs: readonly Tensor[], cotangents: readonly Tensor[], wrt: readonly Tensor[], order: readonly Tensor[] = topoOrder(outputs)): (Tensor | undefined)[] => {
  const wanted = new Set(wrt.map((w) => w.id));
  const live = new Set<number>();
  for (const t of order) {
    if (t.dtype === 'f32' && (wanted.has(t.id) || t.inputs.some((i) => live.has(i.id)))) live.add(t.id);
  }
  const pending = new Map<number, Tensor[]>();
  const send = (t: Tensor, ct: Tensor | undefined) => {
    if (ct === undefined || !live.has(t.id)) return;
    const parts = pending.get(t.id);
    if (parts) parts.push(ct);
    else pending.set(t.id, [ct]);
  };
  outputs.forEach((o, k) => send(o, cotangents[k]));
  const found = new Map<number, Tensor>();
  for (let i = order.length - 1; i >= 0; i--) {
    const t = order[i];
    const parts = pending.get(t.id);
    if (!parts) continue;
    pending.delete(t.id);
    const ct = sumAll(parts);
    if (wanted.has(t.id)) found.set(t.id, ct);
    if (!t.inputs.some((inp) => live.has(inp.id))) continue;
    const cts = vjpRule(t, ct);
    t.inputs.forEach((inp, k) => send(inp, cts[k]));
  }
  return wrt.map((w) => found.get(w.id));
};

/** As reachingCotangents; a `wrt` tensor the outputs do not depend on gets zeros of its shape. */
export const backward = (outputs: readonly Tensor[], cotangents: readonly Tensor[], wrt: readonly Tensor[]): Tensor[] =>
  reachingCotangents(outputs, cotangents, wrt).map((ct, k) => ct ?? zeros(wrt[k].shape));
