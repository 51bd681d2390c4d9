// Emits one gpu.js kernel: the value of a root node at `this.thread.x`, with every fused producer
// inlined as a `const` and movement ops folded into index arithmetic (tinygrad's views, in spirit).
import type { Shape } from '../dsl/shape.js';
import { sizeOf, stridesOf } from '../dsl/shape.js';
import type { BinaryFn, UnaryFn } from '../dsl/tensor.js';
import type { Domain } from '../dsl/counter-hash.js';
import { DOMAIN, bernoulliThreshold, drawWord, indexWords, top24 } from '../dsl/counter-hash.js';
import type { SmallIntAlgebra } from '../dsl/u32-limbs.js';
import { fromLimbs24, limbAlgebra, toLimbs } from '../dsl/u32-limbs.js';
import type { IRNode } from './ir.js';
import { f32, lit } from './literal.js';
import { isTranscendental } from '../dsl/transcendentals/index.js';
import { transcendentalSource } from './source-algebra.js';

/** An element position: a flat row-major index, per-axis indices, or both (each an expression). */
export interface Index {
  readonly flat?: string;
  readonly axes?: readonly string[];
}

/** Statements of one block; a loop body is a child scope that sees its parent's values. */
export class Scope {
  readonly lines: string[] = [];
  readonly memo: Map<string, string>;
  constructor(parent?: Scope) {
    this.memo = new Map(parent?.memo);
  }
}

export { f32 } from './literal.js';

// neg, abs, floor, min, max, comparisons and selections of float32 values are float32: no rounding;
// exp, log, tanh, erf and cos are the interpreter's float32 steps (source-algebra.ts)
const UNARY: Record<Exclude<UnaryFn, 'exp' | 'log' | 'tanh' | 'erf' | 'cos'>, (x: string) => string> = {
  neg: (x) => `(-${x})`,
  abs: (x) => `Math.abs(${x})`,
  sqrt: (x) => f32(`Math.sqrt(${x})`),
  rsqrt: (x) => f32(`1.0 / ${f32(`Math.sqrt(${x})`)}`),
  floor: (x) => `Math.floor(${x})`,
  not: (x) => `(1.0 - ${x})`,
};

const cmp = (o: string) => (a: string, b: string) => `(${a} ${o} ${b} ? 1.0 : 0.0)`;
const BINARY: Record<BinaryFn, (a: string, b: string) => string> = {
  add: (a, b) => f32(`${a} + ${b}`),
  sub: (a, b) => f32(`${a} - ${b}`),
  mul: (a, b) => f32(`${a} * ${b}`),
  div: (a, b) => f32(`${a} / ${b}`),
  pow: (a, b) => f32(`Math.pow(${a}, ${b})`),
  min: (a, b) => `Math.min(${a}, ${b})`,
  max: (a, b) => `Math.max(${a}, ${b})`,
  lt: cmp('<'),
  le: cmp('<='),
  gt: cmp('>'),
  ge: cmp('>='),
  eq: cmp('=='),
  ne: cmp('!='),
  and: (a, b) => `(${a} * ${b})`,
  or: (a, b) => `Math.max(${a}, ${b})`,
};

export class KernelWriter {
  private counter = 0;
  /** Buffer id -> parameter name, in first-use order. */
  readonly params = new Map<number, string>();
  readonly fused: string[] = [];

  constructor(
    readonly nodes: readonly IRNode[],
    /** The buffer holding a node's value, or undefined when the node is computed inline. */
    private readonly bufferOf: (node: number) => number | undefined,
  ) {}

  fresh(prefix = 'v'): string {
    return `${prefix}${this.counter++}`;
  }

  bind(scope: Scope, expr: string, prefix = 'v'): string {
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(expr) || /^\(?-?[0-9.e+-]+\)?$/.test(expr)) return expr;
    const name = this.fresh(prefix);
    scope.lines.push(`const ${name} = ${expr};`);
    return name;
  }

  param(buffer: number): string {
    let p = this.params.get(buffer);
    if (!p) {
      p = `b${buffer}`;
      this.params.set(buffer, p);
    }
    return p;
  }

  flat(scope: Scope, idx: Index, shape: Shape): string {
    if (idx.flat !== undefined) return idx.flat;
    const axes = idx.axes!;
    if (shape.length === 0) return '0.0';
    const strides = stridesOf(shape);
    const terms = axes.map((a, k) => (shape[k] === 1 ? '' : strides[k] === 1 ? a : `${a} * ${lit(strides[k])}`)).filter(Boolean);
    return this.bind(scope, terms.length ? terms.join(' + ') : '0.0', 'f');
  }

  axes(scope: Scope, idx: Index, shape: Shape): readonly string[] {
    if (idx.axes !== undefined) return idx.axes;
    const flat = idx.flat!;
    const strides = stridesOf(shape);
    return shape.map((d, k) => {
      if (d === 1) return '0.0';
      const q = strides[k] === 1 ? flat : this.bind(scope, `Math.floor(${flat} / ${lit(strides[k])})`, 'q');
      // the leading axis needs no wrap: flat < size
      return k === 0 ? q : this.bind(scope, `${q} - Math.floor(${q} / ${lit(d)}) * ${lit(d)}`, 'i');
    });
  }

  /** The expression for node `id` at position `idx` of its shape. */
  value(scope: Scope, id: number, idx: Index): string {
    const n = this.nodes[id];
    const key = `${id}@${idx.flat ?? idx.axes!.join(',')}`;
    const hit = scope.memo.get(key);
    if (hit !== undefined) return hit;
    const v = this.compute(scope, n, idx);
    scope.memo.set(key, v);
    return v;
  }

  private compute(scope: Scope, n: IRNode, idx: Index): string {
    const op = n.op;
    if (op.kind === 'constant' && op.values.length === 1) return lit(op.values[0]);
    const buffer = this.bufferOf(n.id);
    if (buffer !== undefined) {
      const i = sizeOf(n.shape) === 1 ? '0' : this.flat(scope, idx, n.shape);
      return this.bind(scope, `${this.param(buffer)}[${i}]`);
    }
    const arg = (k: number, at: Index) => this.value(scope, n.inputs[k], at);
    const inShape = (k: number) => this.nodes[n.inputs[k]].shape;
    switch (op.kind) {
      case 'unary':
        this.fused.push(op.fn);
        if (isTranscendental(op.fn)) return transcendentalSource((e) => this.bind(scope, e), op.fn, arg(0, idx));
        return this.bind(scope, UNARY[op.fn](arg(0, idx)));
      case 'binary':
        this.fused.push(op.fn);
        return this.bind(scope, BINARY[op.fn](arg(0, idx), arg(1, idx)));
      case 'where':
        this.fused.push('where');
        return this.bind(scope, `(${arg(0, idx)} != 0.0 ? ${arg(1, idx)} : ${arg(2, idx)})`);
      case 'cast': {
        this.fused.push(`cast:${n.dtype}`);
        const x = arg(0, idx);
        const from = this.nodes[n.inputs[0]].dtype;
        if (n.dtype === 'bool') return this.bind(scope, `(${x} != 0.0 ? 1.0 : 0.0)`);
        if (n.dtype === 'i32' && from === 'f32') return this.bind(scope, `(${x} < 0.0 ? -Math.floor(-${x}) : Math.floor(${x}))`);
        return x;
      }
      case 'broadcast': {
        const src = inShape(0);
        if (sizeOf(src) === 1) return arg(0, { flat: '0.0' });
        const axes = this.axes(scope, idx, n.shape);
        const lead = n.shape.length - src.length;
        return arg(0, { axes: src.map((d, k) => (d === 1 ? '0.0' : axes[lead + k])) });
      }
      case 'reshape':
        return arg(0, { flat: this.flat(scope, idx, n.shape) });
      case 'slice': {
        const axes = this.axes(scope, idx, n.shape);
        return arg(0, { axes: axes.map((a, k) => (op.starts[k] ? this.bind(scope, `${a} + ${lit(op.starts[k])}`, 'i') : a)) });
      }
      case 'transpose': {
        const axes = this.axes(scope, idx, n.shape);
        const from = new Array<string>(axes.length);
        op.perm.forEach((p, k) => (from[p] = axes[k]));
        return arg(0, { axes: from });
      }
      case 'concat': {
        this.fused.push('concat');
        const axes = this.axes(scope, idx, n.shape);
        const pos = axes[op.axis];
        let start = 0;
        const parts = n.inputs.map((_, j) => {
          const d = inShape(j)[op.axis];
          // clamped so reads of the branches not taken stay in bounds
          const local = this.bind(scope, `Math.min(Math.max(${pos} - ${lit(start)}, 0.0), ${lit(d - 1)})`, 'i');
          const part = { start, v: arg(j, { axes: axes.map((a, k) => (k === op.axis ? local : a)) }) };
          start += d;
          return part;
        });
        const expr = parts.slice(0, -1).reduceRight((acc, p, j) => `(${pos} < ${lit(parts[j + 1].start)} ? ${p.v} : ${acc})`, parts[parts.length - 1].v);
        return this.bind(scope, expr);
      }
      case 'gather': {
        this.fused.push('gather');
        const axes = this.axes(scope, idx, n.shape);
        const a = op.axis;
        const ir = inShape(1).length;
        const at = arg(1, { axes: axes.slice(a, a + ir) });
        const clamped = this.bind(scope, `Math.min(Math.max(${at}, 0.0), ${lit(inShape(0)[a] - 1)})`, 'i');
        return arg(0, { axes: [...axes.slice(0, a), clamped, ...axes.slice(a + ir)] });
      }
      case 'iota':
        this.fused.push('iota');
        return this.axes(scope, idx, n.shape)[op.axis];
      case 'random':
        this.fused.push(`random:${op.dist.kind}`);
        return this.random(scope, n, idx);
      case 'input':
      case 'constant':
      case 'reduce':
      case 'matmul':
        throw new Error(`internal: ${op.kind} node ${n.id} must be materialized`);
    }
  }

  private random(scope: Scope, n: IRNode, idx: Index): string {
    const op = n.op as Extract<IRNode['op'], { kind: 'random' }>;
    const S = this.smallInts(scope);
    const A = limbAlgebra(S);
    const key = op.key !== undefined ? A.lit(op.key) : toLimbs(S, this.value(scope, n.inputs[0], { flat: '0.0' }));
    const [lo, hi] = indexWords(A, toLimbs(S, this.flat(scope, idx, n.shape)), op.offset);
    const uniform = (domain: Domain) => this.bind(scope, `${fromLimbs24(S, top24(A, drawWord(A, key, lo, hi, domain)))} * ${lit(2 ** -24)}`, 'u');
    const u = uniform(DOMAIN.draw);
    switch (op.dist.kind) {
      case 'uniform':
        return u;
      case 'bernoulli':
        return this.bind(scope, `(${u} < ${lit(bernoulliThreshold(op.dist.p))} ? 1.0 : 0.0)`);
      case 'normal': {
        const u2 = uniform(DOMAIN.second);
        // 1 - u and -2 * log are exact in f32; every other step rounds as an f32 op would
        const bind = (e: string) => this.bind(scope, e);
        const log = transcendentalSource(bind, 'log', bind(`1.0 - ${u}`));
        const cos = transcendentalSource(bind, 'cos', bind(f32(`${lit(2 * Math.PI)} * ${u2}`)));
        return this.bind(scope, f32(`${f32(`Math.sqrt(-2.0 * ${log})`)} * ${cos}`));
      }
    }
  }

  /** Integer operations below 2^24 as inline expressions (bound where shared), folding literal-only ones and identities. */
  private smallInts(scope: Scope): SmallIntAlgebra<string> {
    const num = (s: string): number | undefined => {
      const m = /^\(?(-?[0-9.]+(?:e[+-]?[0-9]+)?)\)?$/.exec(s);
      return m ? Number(m[1]) : undefined;
    };
    const op = (args: readonly string[], f: (...xs: number[]) => number, e: string): string => {
      const xs = args.map(num);
      return xs.every((x) => x !== undefined) ? lit(f(...(xs as number[]))) : e;
    };
    // a literal 0 operand: the other one (add, xor) or 0 (mul, and, shifts)
    const zero = (a: string): boolean => num(a) === 0;
    return {
      lit: (v) => lit(v),
      add: (a, b) => (zero(a) ? b : zero(b) ? a : op([a, b], (x, y) => x + y, `(${a} + ${b})`)),
      mul: (a, b) => (zero(a) || zero(b) ? lit(0) : num(b) === 1 ? a : op([a, b], (x, y) => x * y, `(${a} * ${b})`)),
      xor: (a, b) => (zero(a) ? b : zero(b) ? a : op([a, b], (x, y) => x ^ y, `(${a} ^ ${b})`)),
      and: (a, m) => (zero(a) || m === 0 ? lit(0) : op([a], (x) => x & m, `(${a} & ${m})`)),
      shr: (a, s) => (zero(a) ? a : op([a], (x) => x >>> s, `(${a} >> ${s})`)),
      shl: (a, s) => (zero(a) ? a : op([a], (x) => x * 2 ** s, `(${a} << ${s})`)),
      // (in gpu.js' webasm mode a named integer is stored as f32: each name costs conversions)
      share: (a) => this.bind(scope, a, 'r'),
    };
  }
}
