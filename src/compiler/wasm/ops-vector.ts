// The four-lane (f32x4 / i32x4, bool as lane masks) form of an op, where SIMD128 has one.
import type { KNode } from '../kernel-ir/types.js';
import type { SimdOp } from './opcodes.js';
import { operands } from '../kernel-ir/types.js';
import type { OpContext } from './ops-scalar.js';
import { isInt } from './ops-scalar.js';

/** Whether a u32 value is below 2^31 for certain: a logical shift right by a constant count of 1 to 31. */
const belowTwoTo31 = (cx: OpContext, id: number): boolean => {
  const n = cx.node(id);
  if (n.op !== 'binary' || n.fn !== 'shr' || n.type !== 'u32') return false;
  const count = cx.node(n.b);
  return count.op === 'const' && count.value % 32 !== 0;
};

/** Whether node `id` is a constant 2^k, 1 ≤ k ≤ 30 (i32: 2^31 is negative) or 31 (u32). */
const powerOfTwo = (cx: OpContext, id: number, t: string): boolean => {
  const d = cx.node(id);
  if (d.op !== 'const') return false;
  const k = Math.log2(d.value);
  return Number.isInteger(k) && k >= 1 && k <= (t === 'u32' ? 31 : 30);
};

/** The four-lane form of `n`, if SIMD128 has one; false to fall back to lanes. */
export const vectorOp = (cx: OpContext, n: KNode): boolean => {
  const c = cx.c;
  const v = (k: number) => cx.pushVector(operands(n)[k]);
  const simd = (name: SimdOp, arity: number) => {
    for (let k = 0; k < arity; k++) v(k);
    c.simd(name);
    return true;
  };
  switch (n.op) {
    case 'load': {
      // consecutive lanes: one v128 load; one value for the group: one scalar load, splatted
      const shape = cx.laneShape(n.index);
      if (!shape) return false;
      c.get(cx.param(n.buffer));
      cx.pushFirst(n.index);
      c.i32(2).op('i32.shl').op('i32.add');
      if (shape === 'linear') c.mem('v128.load', 2);
      else c.mem('f32.load', 2).simd('f32x4.splat');
      return true;
    }
    case 'unary': {
      const t = n.type;
      const f: Partial<Record<string, SimdOp>> = { neg: 'f32x4.neg', abs: 'f32x4.abs', sqrt: 'f32x4.sqrt', floor: 'f32x4.floor', trunc: 'f32x4.trunc' };
      if (t === 'f32' && f[n.fn]) return simd(f[n.fn]!, 1);
      if (t === 'bool' && n.fn === 'not') return simd('v128.not', 1);
      if (isInt(t) && n.fn === 'not') return simd('v128.not', 1);
      if (isInt(t) && n.fn === 'neg') return simd('i32x4.neg', 1);
      if (t === 'i32' && n.fn === 'abs') return simd('i32x4.abs', 1);
      return false;
    }
    case 'binary': {
      const t = cx.node(n.a).type;
      if (t === 'f32') {
        const f: Partial<Record<string, SimdOp>> = {
          add: 'f32x4.add', sub: 'f32x4.sub', mul: 'f32x4.mul', div: 'f32x4.div', min: 'f32x4.min', max: 'f32x4.max',
          lt: 'f32x4.lt', le: 'f32x4.le', gt: 'f32x4.gt', ge: 'f32x4.ge', eq: 'f32x4.eq', ne: 'f32x4.ne',
        };
        return f[n.fn] ? simd(f[n.fn]!, 2) : false;
      }
      const s = t === 'u32' ? 'u' : 's';
      const f: Partial<Record<string, SimdOp>> = {
        and: 'v128.and', or: 'v128.or', xor: 'v128.xor', eq: 'i32x4.eq', ne: 'i32x4.ne',
        ...(isInt(t)
          ? { add: 'i32x4.add', sub: 'i32x4.sub', mul: 'i32x4.mul', min: `i32x4.min_${s}`, max: `i32x4.max_${s}`, lt: `i32x4.lt_${s}`, le: `i32x4.le_${s}`, gt: `i32x4.gt_${s}`, ge: `i32x4.ge_${s}` }
          : {}),
      } as Partial<Record<string, SimdOp>>;
      if (f[n.fn]) return simd(f[n.fn]!, 2);
      // SIMD shifts take one count for all lanes
      if (isInt(t) && (n.fn === 'shl' || n.fn === 'shr') && !cx.isVarying(n.b)) {
        v(0);
        c.get(cx.sLocal(n.b)).simd(n.fn === 'shl' ? 'i32x4.shl' : t === 'i32' ? 'i32x4.shr_s' : 'i32x4.shr_u');
        return true;
      }
      if (isInt(t) && n.fn === 'div' && powerOfTwo(cx, n.b, t)) {
        // x / 2^k as i32.div_s rounds it (toward zero: negatives get 2^k − 1 added first) or as div_u, in shifts
        const k = Math.log2((cx.node(n.b) as Extract<KNode, { op: 'const' }>).value);
        if (t === 'u32') return v(0), c.i32(k).simd('i32x4.shr_u'), true;
        v(0);
        v(0);
        c.i32(31).simd('i32x4.shr_s').i32(32 - k).simd('i32x4.shr_u').simd('i32x4.add').i32(k).simd('i32x4.shr_s');
        return true;
      }
      return false;
    }
    case 'select':
      v(1);
      v(2);
      v(0);
      c.simd('v128.bitselect');
      return true;
    case 'cast': {
      const from = cx.node(n.a).type;
      const to = n.type;
      if (isInt(from) && isInt(to)) return v(0), true;
      if (from === 'f32' && isInt(to)) return simd(to === 'u32' ? 'i32x4.trunc_sat_f32x4_u' : 'i32x4.trunc_sat_f32x4_s', 1);
      // a u32 below 2^31 (shifted right) converts as signed: one instruction where x64 needs seven for unsigned
      if (isInt(from) && to === 'f32') return simd(from === 'u32' && !belowTwoTo31(cx, n.a) ? 'f32x4.convert_i32x4_u' : 'f32x4.convert_i32x4_s', 1);
      if (from === 'bool' && to === 'f32') return v(0), c.f32(1).simd('f32x4.splat').simd('v128.and'), true;
      if (from === 'bool' && isInt(to)) return simd('i32x4.neg', 1);
      if (from === 'f32' && to === 'bool') return v(0), c.f32(0).simd('f32x4.splat').simd('f32x4.ne'), true;
      if (isInt(from) && to === 'bool') return v(0), c.i32(0).simd('i32x4.splat').simd('i32x4.ne'), true;
      return false;
    }
    case 'bitcast':
      return v(0), true;
    default:
      return false;
  }
};
