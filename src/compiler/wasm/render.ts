// Kernel IR -> one WebAssembly module: `run(...buffer byte offsets, begin, end)` over elements
// [begin, end) of the kernel's index space, in an imported shared memory. Values that do not
// depend on the element are computed once before the loops; the main loop runs four elements per
// iteration in f32x4/i32x4 (ops without a SIMD form run lane by lane), and a scalar loop takes
// the tail. Both loops perform the same IEEE f32 and exact 32-bit integer operations per element,
// so a result never depends on how [begin, end) was split.
import type { Kernel, KNode, KType } from '../kernel-ir/types.js';
import { allNodes, operands } from '../kernel-ir/types.js';
import type { ValType } from './encoder.js';
import { Code, encodeModule } from './encoder.js';
import type { Op, SimdOp } from './opcodes.js';

/** Host functions a kernel may import (module `math`): float64 in, float64 out. */
export const HOST_MATH = ['exp', 'log', 'tanh', 'cos', 'pow'] as const;
export type HostMath = (typeof HOST_MATH)[number];

export interface RenderedKernel {
  readonly name: string;
  readonly bytes: Uint8Array<ArrayBuffer>;
  /** Plan buffers passed as byte offsets, in parameter order (then begin, end). */
  readonly params: readonly number[];
  readonly size: number;
  readonly imports: readonly HostMath[];
}

export interface RenderOptions {
  /** The shared memory's maximum, in 64 KiB pages (the import must declare it). */
  readonly maxPages: number;
}

export class RenderError extends Error {
  override readonly name = 'RenderError';
}

const scalarVal = (t: KType): ValType => (t === 'f32' ? 'f32' : 'i32');
const isInt = (t: KType) => t === 'i32' || t === 'u32';

type Arg = (k: number) => void;

class KernelEmitter {
  readonly c: Code;
  private readonly byId: Map<number, KNode>;
  private readonly varying = new Set<number>();
  private readonly topLevel: Set<number>;
  private readonly scalar = new Map<number, number>();
  private readonly vector = new Map<number, number>();
  private readonly splat = new Map<number, number>();
  readonly imports: HostMath[] = [];
  private readonly i: number;
  private readonly begin: number;
  private readonly end: number;

  constructor(private readonly k: Kernel) {
    this.c = new Code([...k.params.map(() => 'i32' as const), 'i32', 'i32']);
    this.begin = k.params.length;
    this.end = k.params.length + 1;
    const all = allNodes(k.nodes);
    this.byId = new Map(all.map((n) => [n.id, n]));
    this.topLevel = new Set(k.nodes.map((n) => n.id));
    for (const n of all) {
      if (n.op === 'unary' && (HOST_MATH as readonly string[]).includes(n.fn)) this.host(n.fn as HostMath);
      if (n.op === 'binary' && n.fn === 'pow') this.host('pow');
    }
    const isVarying = (n: KNode): boolean =>
      n.op === 'index' || operands(n).some((o) => this.varying.has(o)) || (n.op === 'accumulate' && (this.varying.has(n.value) || allNodes(n.body).some((b) => this.varying.has(b.id))));
    for (const n of all) if (isVarying(n)) this.varying.add(n.id);
    this.i = this.c.local('i32');
  }

  fail(why: string): never {
    throw new RenderError(`wasm renderer: kernel ${this.k.name}: ${why}`);
  }

  private host(fn: HostMath): number {
    const at = this.imports.indexOf(fn);
    return at >= 0 ? at : this.imports.push(fn) - 1;
  }

  private node(id: number): KNode {
    return this.byId.get(id)!;
  }

  private sLocal(id: number): number {
    let l = this.scalar.get(id);
    if (l === undefined) this.scalar.set(id, (l = this.c.local(scalarVal(this.node(id).type))));
    return l;
  }

  private vLocal(id: number): number {
    let l = this.vector.get(id);
    if (l === undefined) this.vector.set(id, (l = this.c.local('v128')));
    return l;
  }

  /** Pushes a value as four lanes: varying values from their local, uniform ones splatted. */
  private pushVector(id: number): void {
    const c = this.c;
    if (this.varying.has(id)) return void c.get(this.vLocal(id));
    const hoisted = this.splat.get(id);
    if (hoisted !== undefined) return void c.get(hoisted);
    this.splatOf(id);
  }

  private splatOf(id: number): void {
    const c = this.c;
    const t = this.node(id).type;
    if (t === 'bool') c.i32(0).get(this.sLocal(id)).op('i32.sub').simd('i32x4.splat');
    else c.get(this.sLocal(id)).simd(t === 'f32' ? 'f32x4.splat' : 'i32x4.splat');
  }

  /** The element loops; run once per module. */
  render(): void {
    const c = this.c;
    const k = this.k;
    // uniform top-level values: once, before both loops
    for (const n of k.nodes) if (!this.varying.has(n.id)) this.emitScalar(n);
    // uniform values the vector loop reads, splatted once
    const wanted = new Set<number>();
    for (const n of allNodes(k.nodes)) if (this.varying.has(n.id)) operands(n).concat(n.op === 'accumulate' ? [n.value] : []).forEach((o) => wanted.add(o));
    k.stores.forEach((s) => wanted.add(s.value));
    for (const id of wanted) {
      if (this.varying.has(id) || !this.topLevel.has(id)) continue;
      this.splatOf(id);
      const l = c.local('v128');
      c.set(l);
      this.splat.set(id, l);
    }
    const address = (buffer: number) => c.get(k.params.indexOf(buffer)).get(this.i).i32(2).op('i32.shl').op('i32.add');
    c.get(this.begin).set(this.i);
    // four elements per iteration while i + 4 <= end
    c.open('block').open('loop');
    c.get(this.i).i32(4).op('i32.add').get(this.end).op('i32.gt_s').op('br_if', 1);
    for (const n of k.nodes) if (this.varying.has(n.id)) this.emitVector(n);
    for (const s of k.stores) {
      address(s.buffer);
      this.pushVector(s.value);
      c.mem('v128.store', 2);
    }
    c.get(this.i).i32(4).op('i32.add').set(this.i).op('br', 0).op('end').op('end');
    // the tail, one element per iteration
    const index = k.nodes.find((n) => n.op === 'index');
    if (index) this.scalar.set(index.id, this.i);
    c.open('block').open('loop');
    c.get(this.i).get(this.end).op('i32.ge_s').op('br_if', 1);
    for (const n of k.nodes) if (this.varying.has(n.id) && n.op !== 'index') this.emitScalar(n);
    for (const s of k.stores) {
      address(s.buffer);
      c.get(this.sLocal(s.value));
      if (this.node(s.value).type !== 'f32') this.fail(`store of a ${this.node(s.value).type} value`);
      c.mem('f32.store', 2);
    }
    c.get(this.i).i32(1).op('i32.add').set(this.i).op('br', 0).op('end').op('end');
  }

  private emitScalar(n: KNode): void {
    const c = this.c;
    if (n.op === 'accumulate') return this.accumulate(n, false);
    if (n.op === 'loopIndex') return; // set by its accumulation
    this.scalarOp(n, (k) => c.get(this.sLocal(operands(n)[k])));
    c.set(this.sLocal(n.id));
  }

  private emitVector(n: KNode): void {
    const c = this.c;
    if (n.op === 'accumulate') return this.accumulate(n, true);
    if (n.op === 'index') {
      c.get(this.i).simd('i32x4.splat').v128i32([0, 1, 2, 3]).simd('i32x4.add').set(this.vLocal(n.id));
      return;
    }
    if (!this.vectorOp(n)) this.lanewise(n);
    c.set(this.vLocal(n.id));
  }

  /** acc = init; for j in [start, count): acc = acc fn value(j), in scalar or four lanes. */
  private accumulate(n: Extract<KNode, { op: 'accumulate' }>, vector: boolean): void {
    const c = this.c;
    const acc = vector ? this.vLocal(n.id) : this.sLocal(n.id);
    const j = n.body.find((b) => b.op === 'loopIndex' && b.loop === n.id);
    const jl = j ? this.sLocal(j.id) : c.local('i32');
    if (vector) this.pushVector(n.init);
    else c.get(this.sLocal(n.init));
    c.set(acc);
    c.i32(n.start).set(jl);
    c.open('block').open('loop');
    c.get(jl).i32(n.count).op('i32.ge_s').op('br_if', 1);
    for (const b of n.body) {
      if (vector && this.varying.has(b.id)) this.emitVector(b);
      else this.emitScalar(b);
    }
    c.get(acc);
    if (vector) this.pushVector(n.value);
    else c.get(this.sLocal(n.value));
    const t = n.type;
    if (vector) {
      if (t === 'f32') c.simd(n.fn === 'sum' ? 'f32x4.add' : 'f32x4.max');
      else if (isInt(t)) c.simd(n.fn === 'sum' ? 'i32x4.add' : t === 'i32' ? 'i32x4.max_s' : 'i32x4.max_u');
      else this.fail(`accumulation of ${t}`);
    } else if (t === 'f32') c.op(n.fn === 'sum' ? 'f32.add' : 'f32.max');
    else if (isInt(t) && n.fn === 'sum') c.op('i32.add');
    else if (isInt(t)) {
      const [a, b] = [c.local('i32'), c.local('i32')];
      c.set(b).set(a).get(a).get(b).get(a).get(b).op(t === 'i32' ? 'i32.gt_s' : 'i32.gt_u').op('select');
    } else this.fail(`accumulation of ${t}`);
    c.set(acc);
    c.get(jl).i32(1).op('i32.add').set(jl).op('br', 0).op('end').op('end');
  }

  /** Four lanes computed one at a time with the scalar op. */
  private lanewise(n: KNode): void {
    const c = this.c;
    const ops = operands(n);
    const tmp = c.local('v128');
    c.v128i32([0, 0, 0, 0]).set(tmp);
    for (let lane = 0; lane < 4; lane++) {
      c.get(tmp);
      this.scalarOp(n, (k) => {
        const o = this.node(ops[k]);
        if (!this.varying.has(o.id)) return void c.get(this.sLocal(o.id));
        c.get(this.vLocal(o.id));
        if (o.type === 'f32') c.lane('f32x4.extract_lane', lane);
        else c.lane('i32x4.extract_lane', lane);
        if (o.type === 'bool') c.i32(1).op('i32.and');
      });
      if (n.type === 'bool') c.i32(-1).op('i32.mul');
      c.lane(n.type === 'f32' ? 'f32x4.replace_lane' : 'i32x4.replace_lane', lane).set(tmp);
    }
    c.get(tmp);
  }

  private hostCall(fn: HostMath, args: readonly (() => void)[]): void {
    const c = this.c;
    args.forEach((a) => {
      a();
      c.op('f64.promote_f32');
    });
    c.op('call', this.host(fn)).op('f32.demote_f64');
  }

  /** One element's op with operands pushed by `arg` (which may be called more than once). */
  private scalarOp(n: KNode, arg: Arg): void {
    const c = this.c;
    switch (n.op) {
      case 'index':
        return void c.get(this.i);
      case 'const':
        if (n.type === 'f32') c.f32(n.value);
        else c.i32(n.value);
        return;
      case 'load':
        c.get(this.k.params.indexOf(n.buffer));
        arg(0);
        c.i32(2).op('i32.shl').op('i32.add').mem('f32.load', 2);
        return;
      case 'unary': {
        const t = n.type;
        if (t === 'f32') {
          const direct: Partial<Record<string, Op>> = { neg: 'f32.neg', abs: 'f32.abs', sqrt: 'f32.sqrt', floor: 'f32.floor', trunc: 'f32.trunc' };
          if (direct[n.fn]) return void (arg(0), c.op(direct[n.fn]!));
          if ((HOST_MATH as readonly string[]).includes(n.fn)) return this.hostCall(n.fn as HostMath, [() => arg(0)]);
        }
        if (t === 'bool' && n.fn === 'not') return void (arg(0), c.op('i32.eqz'));
        if (isInt(t)) {
          if (n.fn === 'neg') return void (c.i32(0), arg(0), c.op('i32.sub'));
          if (n.fn === 'not') return void (arg(0), c.i32(-1), c.op('i32.xor'));
          if (n.fn === 'floor' || n.fn === 'trunc') return arg(0);
          if (n.fn === 'abs' && t === 'u32') return arg(0);
          if (n.fn === 'abs') return void (arg(0), arg(0), c.i32(31), c.op('i32.shr_s'), c.op('i32.xor'), arg(0), c.i32(31), c.op('i32.shr_s'), c.op('i32.sub'));
        }
        return this.fail(`unary ${n.fn} on ${t}`);
      }
      case 'binary':
        return this.scalarBinary(n, arg);
      case 'select':
        arg(1);
        arg(2);
        arg(0);
        c.op('select');
        return;
      case 'cast':
        return this.scalarCast(this.node(n.a).type, n.type, () => arg(0));
      case 'bitcast': {
        const from = this.node(n.a).type;
        arg(0);
        if (from === 'f32' && isInt(n.type)) c.op('i32.reinterpret_f32');
        else if (isInt(from) && n.type === 'f32') c.op('f32.reinterpret_i32');
        else if (!(isInt(from) && isInt(n.type))) this.fail(`bitcast ${from} -> ${n.type}`);
        return;
      }
      case 'loopIndex':
      case 'accumulate':
        return this.fail(`${n.op} ${n.id} read before it was computed`);
    }
  }

  private scalarCast(from: KType, to: KType, arg: () => void): void {
    const c = this.c;
    arg();
    if (from === to || (isInt(from) && isInt(to)) || (from === 'bool' && isInt(to))) return;
    if (to === 'bool') {
      if (from === 'f32') c.f32(0).op('f32.ne');
      else c.i32(0).op('i32.ne');
    } else if (to === 'f32') c.op(from === 'u32' || from === 'bool' ? 'f32.convert_i32_u' : 'f32.convert_i32_s');
    else if (from === 'f32') c.fc(to === 'u32' ? 'i32.trunc_sat_f32_u' : 'i32.trunc_sat_f32_s');
    else this.fail(`cast ${from} -> ${to}`);
  }

  private scalarBinary(n: Extract<KNode, { op: 'binary' }>, arg: Arg): void {
    const c = this.c;
    const t = this.node(n.a).type;
    const both = () => (arg(0), arg(1));
    if (t === 'f32') {
      const direct: Partial<Record<string, Op>> = {
        add: 'f32.add', sub: 'f32.sub', mul: 'f32.mul', div: 'f32.div', min: 'f32.min', max: 'f32.max',
        lt: 'f32.lt', le: 'f32.le', gt: 'f32.gt', ge: 'f32.ge', eq: 'f32.eq', ne: 'f32.ne',
      };
      if (direct[n.fn]) return void (both(), c.op(direct[n.fn]!));
      if (n.fn === 'pow') return this.hostCall('pow', [() => arg(0), () => arg(1)]);
      return this.fail(`binary ${n.fn} on f32`);
    }
    const s = t === 'u32' ? 'u' : 's';
    const ints: Partial<Record<string, Op>> = {
      add: 'i32.add', sub: 'i32.sub', mul: 'i32.mul', and: 'i32.and', or: 'i32.or', xor: 'i32.xor', shl: 'i32.shl',
      shr: `i32.shr_${s}`, div: `i32.div_${s}`, rem: `i32.rem_${s}`, eq: 'i32.eq', ne: 'i32.ne',
      lt: `i32.lt_${s}`, le: `i32.le_${s}`, gt: `i32.gt_${s}`, ge: `i32.ge_${s}`,
    } as Partial<Record<string, Op>>;
    if (t === 'bool' && !['and', 'or', 'xor', 'eq', 'ne'].includes(n.fn)) return this.fail(`binary ${n.fn} on bool`);
    if (ints[n.fn]) return void (both(), c.op(ints[n.fn]!));
    if (n.fn === 'min' || n.fn === 'max') {
      both();
      both();
      c.op(n.fn === 'min' ? `i32.lt_${s}` : (`i32.gt_${s}` as Op)).op('select');
      return;
    }
    return this.fail(`binary ${n.fn} on ${t}`);
  }

  /** The four-lane form of `n`, if SIMD128 has one; false to fall back to lanes. */
  private vectorOp(n: KNode): boolean {
    const c = this.c;
    const v = (k: number) => this.pushVector(operands(n)[k]);
    const simd = (name: SimdOp, arity: number) => {
      for (let k = 0; k < arity; k++) v(k);
      c.simd(name);
      return true;
    };
    switch (n.op) {
      case 'load': {
        const idx = this.node(n.index);
        const contiguous = idx.op === 'index' || (idx.op === 'binary' && idx.fn === 'add' && this.node(idx.a).op === 'index' && !this.varying.has(idx.b));
        if (!contiguous) return false;
        c.get(this.k.params.indexOf(n.buffer)).get(this.i);
        if (idx.op === 'binary') c.get(this.sLocal(idx.b)).op('i32.add');
        c.i32(2).op('i32.shl').op('i32.add').mem('v128.load', 2);
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
        const t = this.node(n.a).type;
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
        if (isInt(t) && (n.fn === 'shl' || n.fn === 'shr') && !this.varying.has(n.b)) {
          v(0);
          c.get(this.sLocal(n.b)).simd(n.fn === 'shl' ? 'i32x4.shl' : t === 'i32' ? 'i32x4.shr_s' : 'i32x4.shr_u');
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
        const from = this.node(n.a).type;
        const to = n.type;
        if (isInt(from) && isInt(to)) return v(0), true;
        if (from === 'f32' && isInt(to)) return simd(to === 'u32' ? 'i32x4.trunc_sat_f32x4_u' : 'i32x4.trunc_sat_f32x4_s', 1);
        if (isInt(from) && to === 'f32') return simd(from === 'u32' ? 'f32x4.convert_i32x4_u' : 'f32x4.convert_i32x4_s', 1);
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
  }
}

/** Renders and validates one kernel; a renderer bug is an error naming the kernel, never a wrong module. */
export const renderWasm = (k: Kernel, options: RenderOptions): RenderedKernel => {
  const e = new KernelEmitter(k);
  e.render();
  const bytes = encodeModule({
    memory: { module: 'env', name: 'memory', min: 1, max: options.maxPages, shared: true },
    imports: e.imports.map((name) => ({ module: 'math', name, type: { params: name === 'pow' ? ['f64', 'f64'] : ['f64'], results: ['f64'] } })),
    functions: [{ type: { params: e.c.params, results: [] }, code: e.c, export: 'run' }],
  });
  if (!WebAssembly.validate(bytes)) {
    let why = 'invalid module';
    try {
      new WebAssembly.Module(bytes);
    } catch (err) {
      why = (err as Error).message;
    }
    e.fail(`emitted an invalid module (${why})`);
  }
  return { name: k.name, bytes, params: k.params, size: k.size, imports: e.imports };
};
