// A matmul operand read through a view whose index is not affine in the product's axes cannot be
// tiled: attention's head merge (a reshape of [B, S, H, D] transposed from [B, H, S, D] into
// [B, S, H·D]) splits the inner or column index across heads, (q / D)·S·D + q mod D. Such a view
// gets a buffer of its own (one copy pass), so the product reads it with strides and tiles.
import { stridesOf } from '../dsl/shape.js';
import type { Shape } from '../dsl/shape.js';
import type { Affine } from './kernel-ir/affine.js';
import { combine, divide, scale } from './kernel-ir/affine.js';
import type { IR } from './ir.js';

/** A position as kernel-ir/from-graph.ts passes it: a flat row-major index or per-axis indices, here as affine forms. */
interface Position {
  readonly flat?: Affine;
  readonly axes?: readonly Affine[];
}

const ZERO: Affine = { c: 0, terms: {} };

/** The value a matmul operand views: through the batch broadcast the matmul op inserts, then reshapes. */
export const valueOf = (ir: IR, operand: number): number => {
  let id = ir.nodes[operand].op.kind === 'broadcast' ? ir.nodes[operand].inputs[0] : operand;
  while (ir.nodes[id].op.kind === 'reshape') id = ir.nodes[id].inputs[0];
  return id;
};

/**
 * Nodes to materialize so that every matmul reads its operands at affine positions: for each
 * operand, the first node (from the product down) whose per-axis index, derived from a flat one by
 * division and remainder as the kernel does, is not provably affine over the operand's axes; the
 * operand's value itself where that node is a broadcast.
 */
export const unstridedViews = (ir: IR, isMaterialized: (id: number) => boolean): Set<number> => {
  const out = new Set<number>();
  for (const n of ir.nodes) {
    if (n.op.kind !== 'matmul') continue;
    for (const operand of n.inputs) {
      const shape = ir.nodes[operand].shape;
      const ranges = Object.fromEntries(shape.map((d, k) => [`a${k}`, d]));
      const seen = new Set<string>();
      const flatOf = (at: Position, s: Shape): Affine =>
        at.flat ?? at.axes!.reduce((acc, a, k) => (s[k] === 1 ? acc : combine(acc, scale(a, stridesOf(s)[k]), 1)), ZERO);
      const axesOf = (at: Position, s: Shape): Affine[] | undefined => {
        if (at.axes) return [...at.axes];
        const strides = stridesOf(s);
        const axes: Affine[] = [];
        for (let k = 0; k < s.length; k++) {
          if (s[k] === 1) {
            axes.push(ZERO);
            continue;
          }
          const q = divide(at.flat!, strides[k], ranges)?.hi;
          // the leading axis needs no wrap: flat < size
          const a = q && (k === 0 ? q : divide(q, s[k], ranges)?.lo);
          if (!a) return undefined;
          axes.push(a);
        }
        return axes;
      };
      const walk = (id: number, at: Position): void => {
        const key = `${id}:${JSON.stringify(at)}`;
        if (isMaterialized(id) || out.has(id) || seen.has(key)) return;
        seen.add(key);
        const x = ir.nodes[id];
        const s = x.shape;
        switch (x.op.kind) {
          case 'unary':
          case 'binary':
          case 'where':
          case 'cast':
            return x.inputs.forEach((i) => walk(i, at));
          case 'reshape':
            return walk(x.inputs[0], { flat: flatOf(at, s) });
          case 'broadcast':
          case 'slice':
          case 'transpose': {
            const axes = axesOf(at, s);
            // a copy of a broadcast would outgrow what it reads: the operand's value gets the buffer
            if (!axes) {
              if (x.op.kind === 'broadcast') whole = true;
              else out.add(id);
              return;
            }
            const op = x.op;
            const src = ir.nodes[x.inputs[0]].shape;
            if (op.kind === 'broadcast') {
              const lead = s.length - src.length;
              return walk(x.inputs[0], { axes: src.map((d, k) => (d === 1 ? ZERO : axes[lead + k])) });
            }
            if (op.kind === 'slice') return walk(x.inputs[0], { axes: axes.map((a, k) => combine(a, { c: op.starts[k], terms: {} }, 1)) });
            const from = new Array<Affine>(axes.length);
            op.perm.forEach((p, k) => (from[p] = axes[k]));
            return walk(x.inputs[0], { axes: from });
          }
          default:
            // gathers, concats, draws: reads the descriptor does not express either way; no copy helps
            return;
        }
      };
      let whole = false;
      walk(operand, { axes: shape.map((d, k) => (d === 1 ? ZERO : { c: 0, terms: { [`a${k}`]: 1 } })) });
      if (whole) out.add(valueOf(ir, operand));
    }
  }
  return out;
};
