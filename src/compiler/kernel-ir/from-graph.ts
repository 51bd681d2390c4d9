// A graph node's value at an element position, as kernel IR: fused producers inlined, movement
// ops folded into index arithmetic (as kernel-writer.ts does for gpu.js source).
import type { DType } from '../../dsl/dtype.js';
import type { Shape } from '../../dsl/shape.js';
import { sizeOf, stridesOf } from '../../dsl/shape.js';
import type { BinaryFn, UnaryFn } from '../../dsl/tensor.js';
import type { IRNode } from '../ir.js';
import type { KernelBuilder } from './builder.js';
import type { KBinary, KType, KUnary } from './types.js';
import { randomDraw } from './random.js';
import { isTranscendental } from '../../dsl/transcendentals/index.js';
import { transcendental } from './transcendentals.js';

/** An element position: a flat row-major index, per-axis indices, or both (i32 node ids). */
export interface Position {
  readonly flat?: number;
  readonly axes?: readonly number[];
}

/** DSL values in kernels: i32 tensors are stored and computed as exact f32 integers (below 2^24). */
export const kTypeOf = (d: DType): KType => (d === 'bool' ? 'bool' : 'f32');

const UNARY: Partial<Record<UnaryFn, KUnary>> = { neg: 'neg', abs: 'abs', sqrt: 'sqrt', floor: 'floor', not: 'not' };
const BINARY: Record<BinaryFn, KBinary> = {
  add: 'add', sub: 'sub', mul: 'mul', div: 'div', pow: 'pow', min: 'min', max: 'max',
  lt: 'lt', le: 'le', gt: 'gt', ge: 'ge', eq: 'eq', ne: 'ne', and: 'and', or: 'or',
};

export class GraphLowering {
  /** Memo of (node, position) -> value, one map per open accumulation (inner ones see outer values). */
  private readonly memo: Map<string, number>[] = [new Map()];
  readonly fused: string[] = [];

  constructor(
    readonly b: KernelBuilder,
    readonly nodes: readonly IRNode[],
    /** The buffer holding a node's value, or undefined when the node is computed inline. */
    private readonly bufferOf: (node: number) => number | undefined,
  ) {}

  /** Runs `f` inside an accumulation body, so values it memoises stay there. */
  scoped<T>(f: () => T): T {
    this.memo.push(new Map(this.memo[this.memo.length - 1]));
    try {
      return f();
    } finally {
      this.memo.pop();
    }
  }

  flat(at: Position, shape: Shape): number {
    if (at.flat !== undefined) return at.flat;
    const b = this.b;
    const strides = stridesOf(shape);
    return at.axes!.reduce((acc, a, k) => (shape[k] === 1 ? acc : b.binary('add', acc, b.binary('mul', a, b.int(strides[k])))), b.int(0));
  }

  axes(at: Position, shape: Shape): readonly number[] {
    if (at.axes !== undefined) return at.axes;
    const b = this.b;
    const strides = stridesOf(shape);
    return shape.map((d, k) => {
      if (d === 1) return b.int(0);
      const q = b.binary('div', at.flat!, b.int(strides[k]));
      // the leading axis needs no wrap: flat < size
      return k === 0 ? q : b.binary('rem', q, b.int(d));
    });
  }

  /** The value of graph node `id` at position `at` of its shape. */
  value(id: number, at: Position): number {
    const key = `${id}@${at.flat ?? `[${at.axes!.join(',')}]`}`;
    const memo = this.memo[this.memo.length - 1];
    const hit = memo.get(key);
    if (hit !== undefined) return hit;
    const v = this.compute(this.nodes[id], at);
    memo.set(key, v);
    return v;
  }

  private compute(n: IRNode, at: Position): number {
    const b = this.b;
    const op = n.op;
    if (op.kind === 'constant' && op.values.length === 1) return b.constant(kTypeOf(n.dtype), op.values[0]);
    const buffer = this.bufferOf(n.id);
    if (buffer !== undefined) {
      const v = b.load(buffer, sizeOf(n.shape) === 1 ? b.int(0) : this.flat(at, n.shape));
      return n.dtype === 'bool' ? b.cast('bool', v) : v;
    }
    const arg = (k: number, p: Position) => this.value(n.inputs[k], p);
    const inShape = (k: number) => this.nodes[n.inputs[k]].shape;
    switch (op.kind) {
      case 'unary':
        this.fused.push(op.fn);
        if (op.fn === 'rsqrt') return b.binary('div', b.constant('f32', 1), b.unary('sqrt', arg(0, at)));
        if (isTranscendental(op.fn)) return transcendental(b, op.fn, arg(0, at));
        return b.unary(UNARY[op.fn]!, arg(0, at));
      case 'binary':
        this.fused.push(op.fn);
        return b.binary(BINARY[op.fn], arg(0, at), arg(1, at));
      case 'where':
        this.fused.push('where');
        return b.select(arg(0, at), arg(1, at), arg(2, at));
      case 'cast': {
        this.fused.push(`cast:${n.dtype}`);
        const x = arg(0, at);
        const from = this.nodes[n.inputs[0]].dtype;
        if (n.dtype === 'bool') return b.cast('bool', x);
        if (from === 'bool') return b.cast('f32', x);
        return n.dtype === 'i32' && from === 'f32' ? b.unary('trunc', x) : x;
      }
      case 'broadcast': {
        const src = inShape(0);
        if (sizeOf(src) === 1) return arg(0, { flat: b.int(0) });
        const axes = this.axes(at, n.shape);
        const lead = n.shape.length - src.length;
        return arg(0, { axes: src.map((d, k) => (d === 1 ? b.int(0) : axes[lead + k])) });
      }
      case 'reshape':
        return arg(0, { flat: this.flat(at, n.shape) });
      case 'slice': {
        const axes = this.axes(at, n.shape);
        return arg(0, { axes: axes.map((a, k) => b.binary('add', a, b.int(op.starts[k]))) });
      }
      case 'transpose': {
        const axes = this.axes(at, n.shape);
        const from = new Array<number>(axes.length);
        op.perm.forEach((p, k) => (from[p] = axes[k]));
        return arg(0, { axes: from });
      }
      case 'concat': {
        this.fused.push('concat');
        const axes = this.axes(at, n.shape);
        const pos = axes[op.axis];
        let start = 0;
        const parts = n.inputs.map((_, j) => {
          const d = inShape(j)[op.axis];
          // clamped so reads of the branches not taken stay in bounds
          const local = b.binary('min', b.binary('max', b.binary('sub', pos, b.int(start)), b.int(0)), b.int(d - 1));
          const part = { start, v: arg(j, { axes: axes.map((a, k) => (k === op.axis ? local : a)) }) };
          start += d;
          return part;
        });
        return parts.slice(0, -1).reduceRight((acc, p, j) => b.select(b.binary('lt', pos, b.int(parts[j + 1].start)), p.v, acc), parts[parts.length - 1].v);
      }
      case 'gather': {
        this.fused.push('gather');
        const axes = this.axes(at, n.shape);
        const a = op.axis;
        const rank = inShape(1).length;
        const where = arg(1, { axes: axes.slice(a, a + rank) });
        const clamped = b.binary('min', b.binary('max', where, b.constant('f32', 0)), b.constant('f32', inShape(0)[a] - 1));
        return arg(0, { axes: [...axes.slice(0, a), b.cast('i32', clamped), ...axes.slice(a + rank)] });
      }
      case 'iota':
        this.fused.push('iota');
        return b.cast('f32', this.axes(at, n.shape)[op.axis]);
      case 'random': {
        this.fused.push(`random:${op.dist.kind}`);
        const key = op.key === undefined ? this.value(n.inputs[0], { flat: b.int(0) }) : undefined;
        return randomDraw(b, op, key, this.flat(at, n.shape));
      }
      case 'input':
      case 'constant':
      case 'reduce':
      case 'matmul':
        throw new Error(`internal: ${op.kind} node ${n.id} must be materialized`);
    }
  }
}
