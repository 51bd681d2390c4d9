// One kernel IR node as a WGSL expression over earlier values (`v<id>`). Integer ops wrap mod 2^32
// and shift by the count mod 32, as the IR defines; f32 add/sub/mul/compare are correctly rounded
// on every Vulkan/Metal/D3D device, so they match wasm bit for bit.
import type { KNode, KType } from '../kernel-ir/types.js';
import { F32_FROM_BITS, literal } from './literal.js';
import { MATH } from './math.js';

/**
 * Ops whose WGSL form may differ from wasm in the last bits: WGSL allows f32 division 2.5 ulp off
 * and sqrt as 1/inverseSqrt (so log, tanh and erf, which divide, on such a device), a device may
 * contract a·b + c into one FMA, and pow is graft's f32 exp(y·log|x|) (math.ts) where wasm calls
 * float64 Math.pow.
 */
export const NOT_BIT_IDENTICAL: readonly string[] = ['f32 div', 'sqrt', 'pow'];

/** Helper functions a kernel may call, emitted once per module (with those they call) when used. */
export const HELPERS: Readonly<Record<Helper, { readonly source: string; readonly calls: readonly Helper[] }>> = {
  graft_f32: { source: F32_FROM_BITS, calls: [] },
  ...MATH,
};
export type Helper = 'graft_f32' | keyof typeof MATH;

export interface ExprContext {
  /** The WGSL name of a value. */
  v(id: number): string;
  type(id: number): KType;
  /** Element `index` (a value id) of plan buffer `buffer`. */
  load(buffer: number, index: number): string;
  use(helper: Helper): void;
  fail(why: string): never;
}

const isInt = (t: KType) => t === 'i32' || t === 'u32';
const zero = (t: KType) => literal(t, 0);

const UNARY_F32: Readonly<Record<string, string>> = { neg: '-', abs: 'abs', sqrt: 'sqrt', floor: 'floor', trunc: 'trunc' };
const INFIX: Readonly<Record<string, string>> = {
  add: '+', sub: '-', mul: '*', div: '/', rem: '%', lt: '<', le: '<=', gt: '>', ge: '>=', eq: '==', ne: '!=', and: '&', or: '|', xor: '^',
};

const unary = (cx: ExprContext, n: Extract<KNode, { op: 'unary' }>): string => {
  const a = cx.v(n.a);
  const t = n.type;
  if (t === 'f32') {
    const f = UNARY_F32[n.fn];
    if (f === '-') return `(-${a})`;
    if (f) return `${f}(${a})`;
  }
  if (t === 'bool' && n.fn === 'not') return `(!${a})`;
  if (isInt(t)) {
    if (n.fn === 'neg') return `(${zero(t)} - ${a})`;
    if (n.fn === 'not') return `(~${a})`;
    if (n.fn === 'floor' || n.fn === 'trunc' || (n.fn === 'abs' && t === 'u32')) return a;
    // wraps at i32's minimum, as wasm's (x ^ s) - s does
    if (n.fn === 'abs') return `((${a} ^ (${a} >> 31u)) - (${a} >> 31u))`;
  }
  return cx.fail(`unary ${n.fn} on ${t}`);
};

const binary = (cx: ExprContext, n: Extract<KNode, { op: 'binary' }>): string => {
  const [a, b] = [cx.v(n.a), cx.v(n.b)];
  const t = cx.type(n.a);
  if (t === 'bool') {
    if (n.fn === 'xor') return `(${a} != ${b})`;
    if (['and', 'or', 'eq', 'ne'].includes(n.fn)) return `(${a} ${INFIX[n.fn]} ${b})`;
    return cx.fail(`binary ${n.fn} on bool`);
  }
  if (n.fn === 'min' || n.fn === 'max') return `${n.fn}(${a}, ${b})`;
  if (t === 'f32') {
    if (n.fn === 'pow') return cx.use('graft_pow'), `graft_pow(${a}, ${b})`;
    if (['add', 'sub', 'mul', 'div', 'lt', 'le', 'gt', 'ge', 'eq', 'ne'].includes(n.fn)) return `(${a} ${INFIX[n.fn]} ${b})`;
    return cx.fail(`binary ${n.fn} on f32`);
  }
  // WGSL shifts by a u32 count; masking makes "mod 32" explicit for every device
  if (n.fn === 'shl' || n.fn === 'shr') return `(${a} ${n.fn === 'shl' ? '<<' : '>>'} (bitcast<u32>(${b}) & 31u))`;
  if (INFIX[n.fn]) return `(${a} ${INFIX[n.fn]} ${b})`;
  return cx.fail(`binary ${n.fn} on ${t}`);
};

const cast = (cx: ExprContext, from: KType, to: KType, a: string): string => {
  if (from === to) return a;
  if (isInt(from) && isInt(to)) return `bitcast<${to}>(${a})`;
  if (to === 'bool') return `(${a} != ${zero(from)})`;
  if (from === 'bool') return `select(${zero(to)}, ${literal(to, 1)}, ${a})`;
  // f32 -> int truncates and saturates in WGSL, as wasm's trunc_sat does
  return `${to}(${a})`;
};

/** The expression computing node `n`; accumulations and loop counters are rendered by the caller. */
export const expression = (cx: ExprContext, n: KNode): string => {
  switch (n.op) {
    case 'const': {
      const text = literal(n.type, n.value);
      if (text.startsWith('graft_f32')) cx.use('graft_f32');
      return text;
    }
    case 'load':
      return cx.load(n.buffer, n.index);
    case 'unary':
      return unary(cx, n);
    case 'binary':
      return binary(cx, n);
    case 'select':
      return `select(${cx.v(n.b)}, ${cx.v(n.a)}, ${cx.v(n.cond)})`;
    case 'cast':
      return cast(cx, cx.type(n.a), n.type, cx.v(n.a));
    case 'bitcast':
      return cx.type(n.a) === n.type ? cx.v(n.a) : `bitcast<${n.type}>(${cx.v(n.a)})`;
    default:
      return cx.fail(`${n.op} ${n.id} cannot be rendered as an expression`);
  }
};
