// graft's WebAssembly binary encoder: LEB128, sections, types, imports (a shared memory and host
// functions), functions and exports. Hand-written because it builds a module in well under a
// millisecond where binaryen costs seconds to load (reference/kernels.md).
import type { Op, SimdOp } from './opcodes.js';
import { OP, OP_FC, SIMD } from './opcodes.js';

export type ValType = 'i32' | 'i64' | 'f32' | 'f64' | 'v128';
const VALTYPE: Record<ValType, number> = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c, v128: 0x7b };

export interface FuncType {
  readonly params: readonly ValType[];
  readonly results: readonly ValType[];
}

export const uleb = (out: number[], v: number): void => {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError(`uleb: ${v} is not a u32`);
  do {
    let byte = v & 0x7f;
    v = Math.floor(v / 128);
    if (v) byte |= 0x80;
    out.push(byte);
  } while (v);
};

export const sleb = (out: number[], v: number): void => {
  if (!Number.isInteger(v) || v < -(2 ** 31) || v > 0xffffffff) throw new RangeError(`sleb: ${v} is not a 32-bit integer`);
  v |= 0; // u32 constants are the same bits as i32
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    const done = (v === 0 && !(byte & 0x40)) || (v === -1 && byte & 0x40);
    out.push(done ? byte : byte | 0x80);
    if (done) return;
  }
};

/** Appends without spreading (a spread of a large array overflows the stack). */
const append = (out: number[], items: ArrayLike<number>) => {
  for (let i = 0; i < items.length; i++) out.push(items[i]);
};

const f32Bytes = (v: number): number[] => [...new Uint8Array(Float32Array.of(v).buffer)];
const f64Bytes = (v: number): number[] => [...new Uint8Array(Float64Array.of(v).buffer)];
const utf8 = (out: number[], s: string) => {
  const b = new TextEncoder().encode(s);
  uleb(out, b.length);
  append(out, b);
};

/** A function body: locals by type, then instructions. */
export class Code {
  readonly bytes: number[] = [];
  private readonly locals: ValType[] = [];

  constructor(readonly params: readonly ValType[]) {}

  /** A new local of type `t`; returns its index. */
  local(t: ValType): number {
    this.locals.push(t);
    return this.params.length + this.locals.length - 1;
  }

  op(name: Op, ...immediates: number[]): this {
    this.bytes.push(OP[name]);
    immediates.forEach((i) => uleb(this.bytes, i));
    return this;
  }

  simd(name: SimdOp): this {
    this.bytes.push(0xfd);
    uleb(this.bytes, SIMD[name]);
    return this;
  }

  /** SIMD lane access: the lane index is one byte. */
  lane(name: SimdOp, lane: number): this {
    this.simd(name).bytes.push(lane);
    return this;
  }

  /** i8x16.shuffle of the two vectors on the stack, picking 32-bit lanes (0-3 first, 4-7 second). */
  shuffle32(lanes: readonly [number, number, number, number]): this {
    this.simd('i8x16.shuffle');
    for (const l of lanes) for (let b = 0; b < 4; b++) this.bytes.push(4 * l + b);
    return this;
  }

  /** A load or store with alignment 2^align and a constant byte offset. */
  mem(name: Op | SimdOp, align: number, offset = 0): this {
    if (name in OP) this.bytes.push(OP[name as Op]);
    else {
      this.bytes.push(0xfd);
      uleb(this.bytes, SIMD[name as SimdOp]);
    }
    uleb(this.bytes, align);
    uleb(this.bytes, offset);
    return this;
  }

  /** i32.atomic.rmw.add (address and addend on the stack; leaves the old value): threads claiming units of work. */
  atomicAdd(offset = 0): this {
    this.bytes.push(0xfe);
    uleb(this.bytes, 0x1e);
    uleb(this.bytes, 2);
    uleb(this.bytes, offset);
    return this;
  }

  fc(name: keyof typeof OP_FC): this {
    this.bytes.push(0xfc);
    uleb(this.bytes, OP_FC[name]);
    return this;
  }

  i32(v: number): this {
    this.bytes.push(OP['i32.const']);
    sleb(this.bytes, v);
    return this;
  }

  f32(v: number): this {
    this.bytes.push(OP['f32.const'], ...f32Bytes(v));
    return this;
  }

  f64(v: number): this {
    this.bytes.push(OP['f64.const'], ...f64Bytes(v));
    return this;
  }

  v128i32(lanes: readonly [number, number, number, number]): this {
    this.simd('v128.const');
    this.bytes.push(...new Uint8Array(Int32Array.from(lanes).buffer));
    return this;
  }

  /** A block, loop or if (condition on the stack) with no result. */
  open(kind: 'block' | 'loop' | 'if'): this {
    this.bytes.push(OP[kind], 0x40);
    return this;
  }

  get(i: number): this {
    return this.op('local.get', i);
  }

  set(i: number): this {
    return this.op('local.set', i);
  }

  /** The body as the code section wants it: size-prefixed locals and instructions, ending in `end`. */
  encode(): number[] {
    const runs: Array<[number, ValType]> = [];
    for (const t of this.locals) {
      const last = runs[runs.length - 1];
      if (last && last[1] === t) last[0]++;
      else runs.push([1, t]);
    }
    const body: number[] = [];
    uleb(body, runs.length);
    for (const [n, t] of runs) {
      uleb(body, n);
      body.push(VALTYPE[t]);
    }
    append(body, this.bytes);
    body.push(OP.end);
    const out: number[] = [];
    uleb(out, body.length);
    append(out, body);
    return out;
  }
}

export interface MemoryImport {
  readonly module: string;
  readonly name: string;
  /** In 64 KiB pages. */
  readonly min: number;
  readonly max: number;
  readonly shared: boolean;
}

export interface ModuleSpec {
  readonly memory?: MemoryImport;
  /** Host functions, numbered before the module's own. */
  readonly imports: readonly { readonly module: string; readonly name: string; readonly type: FuncType }[];
  readonly functions: readonly { readonly type: FuncType; readonly code: Code; readonly export?: string }[];
}

const section = (out: number[], id: number, payload: number[]) => {
  out.push(id);
  uleb(out, payload.length);
  append(out, payload);
};

const vec = <T>(items: readonly T[], each: (out: number[], item: T) => void): number[] => {
  const out: number[] = [];
  uleb(out, items.length);
  items.forEach((i) => each(out, i));
  return out;
};

export const encodeModule = (spec: ModuleSpec): Uint8Array<ArrayBuffer> => {
  const types: FuncType[] = [];
  const typeIndex = (t: FuncType): number => {
    const key = `${t.params.join(',')}->${t.results.join(',')}`;
    const at = types.findIndex((u) => `${u.params.join(',')}->${u.results.join(',')}` === key);
    return at >= 0 ? at : types.push(t) - 1;
  };
  const importTypes = spec.imports.map((i) => typeIndex(i.type));
  const funcTypes = spec.functions.map((f) => typeIndex(f.type));
  const out = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  section(out, 1, vec(types, (o, t) => {
    o.push(0x60);
    o.push(...vec(t.params, (p, v) => p.push(VALTYPE[v])), ...vec(t.results, (p, v) => p.push(VALTYPE[v])));
  }));
  const imports: Array<(o: number[]) => void> = spec.imports.map((imp, k) => (o: number[]) => {
    utf8(o, imp.module);
    utf8(o, imp.name);
    o.push(0x00);
    uleb(o, importTypes[k]);
  });
  const mem = spec.memory;
  if (mem) {
    imports.push((o) => {
      utf8(o, mem.module);
      utf8(o, mem.name);
      o.push(0x02, mem.shared ? 0x03 : 0x01);
      uleb(o, mem.min);
      uleb(o, mem.max);
    });
  }
  if (imports.length) section(out, 2, vec(imports, (o, f) => f(o)));
  section(out, 3, vec(funcTypes, (o, t) => uleb(o, t)));
  const exported = spec.functions.flatMap((f, k) => (f.export ? [{ name: f.export, index: spec.imports.length + k }] : []));
  section(out, 7, vec(exported, (o, e) => {
    utf8(o, e.name);
    o.push(0x00);
    uleb(o, e.index);
  }));
  section(out, 10, vec(spec.functions, (o, f) => append(o, f.code.encode())));
  return new Uint8Array(out);
};
