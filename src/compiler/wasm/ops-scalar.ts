// One element's op as scalar WebAssembly: IEEE f32 arithmetic, exact 32-bit integers (wrapping;
// signed or unsigned by type), bool as 0/1, pow via the host's float64 Math.pow.
import type { KNode, KType } from '../kernel-ir/types.js';
import type { Code } from './encoder.js';
import type { Op } from './opcodes.js';
import type { LaneShape } from './lanes.js';

/** Host functions a kernel may import (module `math`): float64 in, float64 out. */
export const HOST_MATH = ['pow'] as const;
export type HostMath = (typeof HOST_MATH)[number];

export const isInt = (t: KType) => t === 'i32' || t === 'u32';

/** Pushes operand k (may be called more than once). */
export type Arg = (k: number) => void;

/** What an op emitter needs from the kernel being rendered. */
export interface OpContext {
  readonly c: Code;
  /** The element counter's local. */
  readonly i: number;
  /** Element offset of the unrolled copy being emitted (vector loops), added to `i`. */
  readonly lane: number;
  node(id: number): KNode;
  /** The local holding buffer `buffer`'s byte offset. */
  param(buffer: number): number;
  /** The function index of a host import (added on first use). */
  host(fn: HostMath): number;
  fail(why: string): never;
  isVarying(id: number): boolean;
  /** The scalar local of a value (uniform values live only there). */
  sLocal(id: number): number;
  /** Pushes a value as four lanes (uniform values splatted). */
  pushVector(id: number): void;
  /** The lane shape of an i32 value in the vector loops (lanes.ts), if it has one. */
  laneShape(id: number): LaneShape | undefined;
  /** Pushes lane 0's value of a node with a lane shape, or a uniform value. */
  pushFirst(id: number): void;
}

export const hostCall = (cx: OpContext, fn: HostMath, args: readonly (() => void)[]): void => {
  const c = cx.c;
  args.forEach((a) => {
    a();
    c.op('f64.promote_f32');
  });
  c.op('call', cx.host(fn)).op('f32.demote_f64');
};

/** One element's op with operands pushed by `arg` (which may be called more than once). */
export const scalarOp = (cx: OpContext, n: KNode, arg: Arg): void => {
  const c = cx.c;
  switch (n.op) {
    case 'index':
      return void c.get(cx.i);
    case 'const':
      if (n.type === 'f32') c.f32(n.value);
      else c.i32(n.value);
      return;
    case 'load':
      c.get(cx.param(n.buffer));
      arg(0);
      c.i32(2).op('i32.shl').op('i32.add').mem('f32.load', 2);
      return;
    case 'unary': {
      const t = n.type;
      if (t === 'f32') {
        const direct: Partial<Record<string, Op>> = { neg: 'f32.neg', abs: 'f32.abs', sqrt: 'f32.sqrt', floor: 'f32.floor', trunc: 'f32.trunc' };
        if (direct[n.fn]) return void (arg(0), c.op(direct[n.fn]!));
      }
      if (t === 'bool' && n.fn === 'not') return void (arg(0), c.op('i32.eqz'));
      if (isInt(t)) {
        if (n.fn === 'neg') return void (c.i32(0), arg(0), c.op('i32.sub'));
        if (n.fn === 'not') return void (arg(0), c.i32(-1), c.op('i32.xor'));
        if (n.fn === 'floor' || n.fn === 'trunc') return arg(0);
        if (n.fn === 'abs' && t === 'u32') return arg(0);
        if (n.fn === 'abs') return void (arg(0), arg(0), c.i32(31), c.op('i32.shr_s'), c.op('i32.xor'), arg(0), c.i32(31), c.op('i32.shr_s'), c.op('i32.sub'));
      }
      return cx.fail(`unary ${n.fn} on ${t}`);
    }
    case 'binary':
      return scalarBinary(cx, n, arg);
    case 'select':
      arg(1);
      arg(2);
      arg(0);
      c.op('select');
      return;
    case 'cast':
      return scalarCast(cx, cx.node(n.a).type, n.type, () => arg(0));
    case 'bitcast': {
      const from = cx.node(n.a).type;
      arg(0);
      if (from === 'f32' && isInt(n.type)) c.op('i32.reinterpret_f32');
      else if (isInt(from) && n.type === 'f32') c.op('f32.reinterpret_i32');
      else if (!(isInt(from) && isInt(n.type))) cx.fail(`bitcast ${from} -> ${n.type}`);
      return;
    }
    case 'loopIndex':
    case 'accumulate':
      return cx.fail(`${n.op} ${n.id} read before it was computed`);
  }
};

export const scalarCast = (cx: OpContext, from: KType, to: KType, arg: () => void): void => {
  const c = cx.c;
  arg();
  if (from === to || (isInt(from) && isInt(to)) || (from === 'bool' && isInt(to))) return;
  if (to === 'bool') {
    if (from === 'f32') c.f32(0).op('f32.ne');
    else c.i32(0).op('i32.ne');
  } else if (to === 'f32') c.op(from === 'u32' || from === 'bool' ? 'f32.convert_i32_u' : 'f32.convert_i32_s');
  else if (from === 'f32') c.fc(to === 'u32' ? 'i32.trunc_sat_f32_u' : 'i32.trunc_sat_f32_s');
  else cx.fail(`cast ${from} -> ${to}`);
};

export const scalarBinary = (cx: OpContext, n: Extract<KNode, { op: 'binary' }>, arg: Arg): void => {
  const c = cx.c;
  const t = cx.node(n.a).type;
  const both = () => (arg(0), arg(1));
  if (t === 'f32') {
    const direct: Partial<Record<string, Op>> = {
      add: 'f32.add', sub: 'f32.sub', mul: 'f32.mul', div: 'f32.div', min: 'f32.min', max: 'f32.max',
      lt: 'f32.lt', le: 'f32.le', gt: 'f32.gt', ge: 'f32.ge', eq: 'f32.eq', ne: 'f32.ne',
    };
    if (direct[n.fn]) return void (both(), c.op(direct[n.fn]!));
    if (n.fn === 'pow') return hostCall(cx, 'pow', [() => arg(0), () => arg(1)]);
    return cx.fail(`binary ${n.fn} on f32`);
  }
  const s = t === 'u32' ? 'u' : 's';
  const ints: Partial<Record<string, Op>> = {
    add: 'i32.add', sub: 'i32.sub', mul: 'i32.mul', and: 'i32.and', or: 'i32.or', xor: 'i32.xor', shl: 'i32.shl',
    shr: `i32.shr_${s}`, div: `i32.div_${s}`, rem: `i32.rem_${s}`, eq: 'i32.eq', ne: 'i32.ne',
    lt: `i32.lt_${s}`, le: `i32.le_${s}`, gt: `i32.gt_${s}`, ge: `i32.ge_${s}`,
  } as Partial<Record<string, Op>>;
  if (t === 'bool' && !['and', 'or', 'xor', 'eq', 'ne'].includes(n.fn)) return cx.fail(`binary ${n.fn} on bool`);
  if (ints[n.fn]) return void (both(), c.op(ints[n.fn]!));
  if (n.fn === 'min' || n.fn === 'max') {
    both();
    both();
    c.op(n.fn === 'min' ? `i32.lt_${s}` : (`i32.gt_${s}` as Op)).op('select');
    return;
  }
  return cx.fail(`binary ${n.fn} on ${t}`);
};
