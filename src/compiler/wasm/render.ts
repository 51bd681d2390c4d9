// Kernel IR -> one WebAssembly module: `run(...buffer byte offsets, begin, end)` over elements
// [begin, end) of the kernel's index space, in an imported shared memory. Values that do not
// depend on the element are computed once before the loops; the main loop runs four elements per
// iteration in f32x4/i32x4 (ops without a SIMD form run lane by lane), and a scalar loop takes
// the tail. Both loops perform the same IEEE f32 and exact 32-bit integer operations per element,
// so a result never depends on how [begin, end) was split. A kernel with a matmul tiling renders as
// register tiles instead (render-matmul.ts), over row tiles rather than elements.
import type { Kernel, KNode, KType } from '../kernel-ir/types.js';
import { allNodes, operands } from '../kernel-ir/types.js';
import { kernelWork } from '../kernel-ir/work.js';
import type { ValType } from './encoder.js';
import { Code, encodeModule } from './encoder.js';
import type { HostMath, OpContext } from './ops-scalar.js';
import { isInt, scalarOp } from './ops-scalar.js';
import { vectorOp } from './ops-vector.js';
import type { LaneShape } from './lanes.js';
import { laneShapes } from './lanes.js';
import { packing, scratchBytes, TiledEmitter, tiledUnits, Untileable } from './render-matmul.js';
import type { LaneHost, ReducedLanes } from './reduce-lanes.js';
import { emitReducedLanes, reducedLanes } from './reduce-lanes.js';
import type { LazySelect } from './lazy-selects.js';
import { lazySelects } from './lazy-selects.js';
import type { RowLoad } from './row-loads.js';
import { rowLoads, transpose4 } from './row-loads.js';

export { HOST_MATH } from './ops-scalar.js';
export type { HostMath } from './ops-scalar.js';

export interface RenderedKernel {
  readonly name: string;
  readonly bytes: Uint8Array<ArrayBuffer>;
  /** Plan buffers passed as byte offsets, in parameter order (then begin, end). */
  readonly params: readonly number[];
  /** Work units `run` takes: elements, or for a tiled matmul its row tiles (render-matmul.ts). */
  readonly size: number;
  /** Ranges split across threads in multiples of this many units. */
  readonly granule: number;
  readonly imports: readonly HostMath[];
  /** How the kernel was rendered: per element, or as register tiles (rows x columns, with or without FMA). */
  readonly schedule: string;
  /** Node evaluations over the whole index space (kernel-ir/work.ts): what a runtime weighs before splitting it across threads. */
  readonly work: number;
  /** Plan buffers the kernel writes, in store order. */
  readonly stores: readonly number[];
  /** Whether the module uses relaxed-simd (tiled matmuls rendered with FMA). */
  readonly relaxedSimd: boolean;
  /**
   * Bytes of scratch memory `run` takes as one more address after the buffers (0: none): a tiled matmul's unit counter
   * (an i32 at its start, zeroed by the caller before each range; every thread given the same range claims units from
   * it) and its packed panels.
   */
  readonly scratch: number;
  /** Unit indices where a new phase starts: every unit before one must be done before any unit after it runs (packing, then tiles). */
  readonly phases: readonly number[];
}

export interface RenderOptions {
  /** The shared memory's maximum, in 64 KiB pages (the import must declare it). */
  readonly maxPages: number;
  /** Tiled matmuls accumulate with relaxed-simd fused multiply-add (other bits than the per-element sum). */
  readonly fma?: boolean;
}

export class RenderError extends Error {
  override readonly name = 'RenderError';
}

const scalarVal = (t: KType): ValType => (t === 'f32' ? 'f32' : 'i32');
/** Groups of four elements per iteration of the main loop. */
const UNROLL = 4;

export class KernelEmitter implements OpContext, LaneHost {
  readonly c: Code;
  private readonly byId: Map<number, KNode>;
  private varying = new Set<number>();
  private readonly topLevel: Set<number>;
  private readonly scalar = new Map<number, number>();
  private readonly vector = new Map<number, number>();
  private readonly splat = new Map<number, number>();
  private shapes: Map<number, LaneShape>;
  /** Accumulations whose lanes run over the reduced index (reduce-lanes.ts). */
  private readonly reduced = new Map<number, ReducedLanes>();
  /** Selects whose sides run only when a lane takes them (lazy-selects.ts), and the nodes of those sides. */
  private readonly lazy: Map<number, LazySelect>;
  private readonly deferred: Set<number>;
  /** Lane 0's value of nodes with a lane shape (vector loops). */
  private readonly first = new Map<number, number>();
  readonly imports: HostMath[] = [];
  readonly i: number;
  /** Element offset of the unrolled copy being emitted, from the counter `i`. */
  lane = 0;
  /** Parameters holding the unit range [begin, end), after the buffers and `extra` more addresses (a tiled matmul's scratch). */
  readonly begin: number;
  readonly end: number;

  constructor(private readonly k: Kernel, extra = 0) {
    this.c = new Code([...k.params.map(() => 'i32' as const), ...Array.from({ length: extra }, () => 'i32' as const), 'i32', 'i32']);
    this.begin = k.params.length + extra;
    this.end = this.begin + 1;
    const all = allNodes(k.nodes);
    this.byId = new Map(all.map((n) => [n.id, n]));
    this.topLevel = new Set(k.nodes.map((n) => n.id));
    for (const n of all) if (n.op === 'binary' && n.fn === 'pow') this.host('pow');
    const isVarying = (n: KNode): boolean =>
      n.op === 'index' || operands(n).some((o) => this.varying.has(o)) || (n.op === 'accumulate' && (this.varying.has(n.value) || allNodes(n.body).some((b) => this.varying.has(b.id))));
    for (const n of all) if (isVarying(n)) this.varying.add(n.id);
    this.shapes = laneShapes(all, this.varying);
    this.lazy = lazySelects(k, this.varying);
    this.deferred = new Set([...this.lazy.values()].flatMap((l) => [...l.a, ...l.b]));
    this.i = this.c.local('i32');
    // matmuls keep their own path (tiled micro-kernels); other reductions along a contiguous axis read rows, not gathers
    if (!k.fused.includes('matmul')) {
      for (const n of all) {
        if (n.op !== 'accumulate') continue;
        const r = reducedLanes(n, (index) => this.shapes.get(index) !== 'linear');
        if (r) this.reduced.set(n.id, r);
      }
    }
  }

  withLanes(r: ReducedLanes, first: ReadonlyMap<number, number>, f: () => void): void {
    const [varying, shapes] = [this.varying, this.shapes];
    this.varying = new Set(r.dependent);
    this.shapes = new Map(r.shapes);
    first.forEach((l, id) => this.first.set(id, l));
    try {
      f();
    } finally {
      [this.varying, this.shapes] = [varying, shapes];
    }
  }

  scalarsOfLane(ids: readonly number[], lane: number): void {
    const c = this.c;
    for (const id of ids) {
      if (!this.varying.has(id)) continue;
      const t = this.node(id).type;
      c.get(this.vLocal(id));
      if (t === 'f32') c.lane('f32x4.extract_lane', lane);
      else c.lane('i32x4.extract_lane', lane);
      if (t === 'bool') c.i32(1).op('i32.and');
      c.set(this.sLocal(id));
    }
  }

  fail(why: string): never {
    throw new RenderError(`wasm renderer: kernel ${this.k.name}: ${why}`);
  }

  host(fn: HostMath): number {
    const at = this.imports.indexOf(fn);
    return at >= 0 ? at : this.imports.push(fn) - 1;
  }

  node(id: number): KNode {
    return this.byId.get(id)!;
  }

  param(buffer: number): number {
    return this.k.params.indexOf(buffer);
  }

  isVarying(id: number): boolean {
    return this.varying.has(id);
  }

  laneShape(id: number): LaneShape | undefined {
    return this.shapes.get(id);
  }

  /** Pushes lane 0's value of a node with a lane shape, or a uniform value. */
  pushFirst(id: number): void {
    this.c.get(this.varying.has(id) ? this.first.get(id)! : this.sLocal(id));
  }

  sLocal(id: number): number {
    let l = this.scalar.get(id);
    if (l === undefined) this.scalar.set(id, (l = this.c.local(scalarVal(this.node(id).type))));
    return l;
  }

  vLocal(id: number): number {
    let l = this.vector.get(id);
    if (l === undefined) this.vector.set(id, (l = this.c.local('v128')));
    return l;
  }

  /** Pushes a value as four lanes: varying values from their local, uniform ones splatted. */
  pushVector(id: number): void {
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

  /** Uniform top-level values, once before any loop, and the splats of those the vector code reads. */
  prelude(): void {
    const c = this.c;
    const k = this.k;
    const index = k.nodes.find((n) => n.op === 'index');
    if (index) this.scalar.set(index.id, this.i);
    for (const n of k.nodes) if (!this.varying.has(n.id)) this.emitScalar(n);
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
  }

  private address(buffer: number): void {
    this.c.get(this.k.params.indexOf(buffer)).get(this.i).i32(2).op('i32.shl').op('i32.add');
  }

  /** Element `i`: the varying top-level nodes `include` accepts, in scalar, then the stores. */
  elementScalar(include: (n: KNode) => boolean = () => true): void {
    const c = this.c;
    for (const n of this.k.nodes) if (this.varying.has(n.id) && n.op !== 'index' && include(n) && !this.deferred.has(n.id)) this.emitScalar(n);
    for (const s of this.k.stores) {
      this.address(s.buffer);
      c.get(this.sLocal(s.value));
      if (this.node(s.value).type !== 'f32') this.fail(`store of a ${this.node(s.value).type} value`);
      c.mem('f32.store', 2);
    }
  }

  /** Elements i + lane .. i + lane + 3 (i + lane a multiple of four): the nodes `include` accepts in four lanes, then the stores. */
  elementVector(include: (n: KNode) => boolean = () => true): void {
    const c = this.c;
    for (const n of this.k.nodes) if (this.varying.has(n.id) && include(n) && !this.deferred.has(n.id)) this.emitVector(n);
    for (const s of this.k.stores) {
      this.address(s.buffer);
      this.pushVector(s.value);
      c.mem('v128.store', 2, 4 * this.lane);
    }
  }

  /** The element loops; run once per module. */
  render(): void {
    const c = this.c;
    const k = this.k;
    this.prelude();
    const index = k.nodes.find((n) => n.op === 'index');
    /** One element per iteration while `more` leaves 1 on the stack. */
    const scalarLoop = (more: () => void) => {
      if (index) this.scalar.set(index.id, this.i);
      c.open('block').open('loop');
      more();
      c.op('i32.eqz').op('br_if', 1);
      this.elementScalar();
      c.get(this.i).i32(1).op('i32.add').set(this.i).op('br', 0).op('end').op('end');
    };
    c.get(this.begin).set(this.i);
    // groups of four start at multiples of four (lane shapes rely on it): single elements until then
    scalarLoop(() => c.get(this.i).get(this.end).op('i32.lt_s').get(this.i).i32(3).op('i32.and').i32(0).op('i32.ne').op('i32.and'));
    // elementwise kernels take UNROLL groups of four per iteration (fewer loop tests and address
    // updates per element), then single groups; the copies run one after another, so every
    // element sees the same operations
    const accumulates = allNodes(k.nodes).some((n) => n.op === 'accumulate' && this.varying.has(n.id));
    for (const copies of accumulates ? [1] : [UNROLL, 1]) {
      c.open('block').open('loop');
      c.get(this.i).i32(4 * copies).op('i32.add').get(this.end).op('i32.gt_s').op('br_if', 1);
      for (let u = 0; u < copies; u++) {
        this.lane = 4 * u;
        this.elementVector();
      }
      this.lane = 0;
      c.get(this.i).i32(4 * copies).op('i32.add').set(this.i).op('br', 0).op('end').op('end');
    }
    // the tail, one element per iteration
    scalarLoop(() => c.get(this.i).get(this.end).op('i32.lt_s'));
  }

  emitScalar(n: KNode): void {
    const c = this.c;
    if (n.op === 'accumulate') return this.accumulate(n, false);
    if (n.op === 'loopIndex') return; // set by its accumulation
    const lazy = this.lazy.get(n.id);
    if (lazy && n.op === 'select') {
      c.get(this.sLocal(n.cond)).open('if');
      lazy.a.forEach((id) => this.emitScalar(this.node(id)));
      c.op('else');
      lazy.b.forEach((id) => this.emitScalar(this.node(id)));
      c.op('end');
    }
    scalarOp(this, n, (k) => c.get(this.sLocal(operands(n)[k])));
    c.set(this.sLocal(n.id));
  }

  emitVector(n: KNode): void {
    const c = this.c;
    if (n.op === 'accumulate') return this.accumulate(n, true);
    const lazy = this.lazy.get(n.id);
    if (lazy && n.op === 'select') {
      // a side runs when some lane takes it: a lane of the condition set, or one clear
      c.get(this.vLocal(n.cond)).simd('v128.any_true').open('if');
      lazy.a.forEach((id) => this.emitVector(this.node(id)));
      c.op('end');
      c.get(this.vLocal(n.cond)).simd('i32x4.all_true').op('i32.eqz').open('if');
      lazy.b.forEach((id) => this.emitVector(this.node(id)));
      c.op('end');
    }
    const shape = this.shapes.get(n.id);
    if (shape) {
      // lane 0 in scalar, then the four lanes from it (unused lanes are dead code to V8)
      let l = this.first.get(n.id);
      if (l === undefined) this.first.set(n.id, (l = c.local('i32')));
      if (n.op === 'index') c.get(this.i).i32(this.lane).op('i32.add');
      else scalarOp(this, n, (k) => this.pushFirst(operands(n)[k]));
      c.set(l).get(l).simd('i32x4.splat');
      if (shape === 'linear') c.v128i32([0, 1, 2, 3]).simd('i32x4.add');
      c.set(this.vLocal(n.id));
      return;
    }
    if (!vectorOp(this, n)) this.lanewise(n);
    c.set(this.vLocal(n.id));
  }

  /** acc = init; for j in [start, count): acc = acc fn value(j), in scalar or four lanes. */
  private accumulate(n: Extract<KNode, { op: 'accumulate' }>, vector: boolean): void {
    const c = this.c;
    const lanes = this.reduced.get(n.id);
    if (lanes) return emitReducedLanes(this, n, lanes, vector);
    const acc = vector ? this.vLocal(n.id) : this.sLocal(n.id);
    const j = n.body.find((b) => b.op === 'loopIndex' && b.loop === n.id);
    const jl = j ? this.sLocal(j.id) : c.local('i32');
    if (vector) this.pushVector(n.init);
    else c.get(this.sLocal(n.init));
    c.set(acc);
    c.i32(n.start).set(jl);
    const rows = vector ? rowLoads(this, n) : [];
    if (rows.length) this.rowGroups(n, rows, acc, jl);
    // every j (after the row groups: the rest)
    c.open('block').open('loop');
    c.get(jl).i32(n.count).op('i32.ge_s').op('br_if', 1);
    this.step(n, vector, acc);
    c.get(jl).i32(1).op('i32.add').set(jl).op('br', 0).op('end').op('end');
  }

  /** Four j steps per iteration while four remain, each row load as one v128 load per lane's row, transposed (row-loads.ts). */
  private rowGroups(n: Extract<KNode, { op: 'accumulate' }>, rows: readonly RowLoad[], acc: number, jl: number): void {
    const c = this.c;
    // each lane's row start in bytes, once per call of the accumulation
    const starts = rows.map((r) =>
      [0, 1, 2, 3].map((lane) => {
        const a = c.local('i32');
        c.get(this.param(r.buffer)).get(this.vLocal(r.base)).lane('i32x4.extract_lane', lane).i32(2).op('i32.shl').op('i32.add').set(a);
        return a;
      }),
    );
    const at = c.local('i32');
    c.open('block').open('loop');
    c.get(jl).i32(4).op('i32.add').i32(n.count).op('i32.gt_s').op('br_if', 1);
    c.get(jl).i32(2).op('i32.shl').set(at);
    const columns = starts.map((lanes) =>
      transpose4(c, lanes.map((start) => {
        const v = c.local('v128');
        c.get(start).get(at).op('i32.add').mem('v128.load', 2).set(v);
        return v;
      })),
    );
    for (let q = 0; q < 4; q++) {
      const given = new Map(rows.map((r, x) => [r.load, columns[x][q]]));
      this.step(n, true, acc, given);
      c.get(jl).i32(1).op('i32.add').set(jl);
    }
    c.op('br', 0).op('end').op('end');
  }

  /** One j step: the body (loads in `given` taken from those locals), then acc = acc fn value. */
  private step(n: Extract<KNode, { op: 'accumulate' }>, vector: boolean, acc: number, given?: ReadonlyMap<number, number>): void {
    const c = this.c;
    for (const b of n.body) {
      const v = given?.get(b.id);
      if (v !== undefined) c.get(v).set(this.vLocal(b.id));
      else if (vector && this.varying.has(b.id)) this.emitVector(b);
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
  }

  /** Four lanes computed one at a time with the scalar op. */
  private lanewise(n: KNode): void {
    const c = this.c;
    const ops = operands(n);
    const tmp = c.local('v128');
    c.v128i32([0, 0, 0, 0]).set(tmp);
    for (let lane = 0; lane < 4; lane++) {
      c.get(tmp);
      scalarOp(this, n, (k) => {
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

}

/** Renders and validates one kernel; a renderer bug is an error naming the kernel, never a wrong module. */
export const renderWasm = (k: Kernel, options: RenderOptions): RenderedKernel => {
  if (k.tiling) {
    try {
      const pack = packing(k.tiling);
      const e = new KernelEmitter(k, 1);
      const tiled = new TiledEmitter(e, k, options.fma ?? false, pack);
      tiled.render();
      const units = (pack?.units ?? 0) + tiledUnits(k.tiling, tiled.shape);
      return { ...encoded(k, options, e), size: units, granule: 1, schedule: tiled.schedule, relaxedSimd: options.fma ?? false, scratch: scratchBytes(pack), phases: pack ? [pack.units] : [] };
    } catch (err) {
      if (!(err instanceof Untileable)) throw err;
    }
  }
  const e = new KernelEmitter(k);
  e.render();
  return { ...encoded(k, options, e), size: k.size, granule: 4, schedule: 'elements', relaxedSimd: false, scratch: 0, phases: [] };
};

const encoded = (k: Kernel, options: RenderOptions, e: KernelEmitter) => {
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
  // what a runtime needs besides the bytes: the work to split across threads, the buffers stored
  return { name: k.name, bytes, params: k.params, imports: e.imports, work: kernelWork(k), stores: k.stores.map((st) => st.buffer) };
};
