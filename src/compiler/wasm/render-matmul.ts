// A kernel with a matmul tiling as register-tiled WebAssembly: each work unit is one row tile of one
// column panel of one batch entry; a tile keeps R×V f32x4 accumulators (8 on x64 V8: more spill,
// reference/kernels.md) over R rows and 4V consecutive columns, runs k in order (acc = acc + a·b,
// rounded like the per-element accumulation, so the bits are the same), then runs the kernel's
// epilogue on the tile. Columns past the last multiple of four take the per-element code. A column
// factor read along k (or stored with a stride that crowds L1) is first copied into packed panels by
// units of its own, a phase before the tiles; a factor with a prologue is packed as its value, so the
// prologue runs once per element; threads claim units from a counter in the scratch block.
import type { Kernel, KNode } from '../kernel-ir/types.js';
import { allNodes, operands } from '../kernel-ir/types.js';
import type { MatmulTiling, TiledFactor, TiledLoad } from '../kernel-ir/tiling.js';
import type { Code } from './encoder.js';
import type { OpContext } from './ops-scalar.js';
import { vectorOp } from './ops-vector.js';
// a type-only import: render.ts imports this file, and hands its per-element emitter in
import type { KernelEmitter } from './render.js';
import { transpose4 } from './row-loads.js';

/** How a column factor's load gives four consecutive columns. */
type ColumnRead = 'vector' | 'splat' | 'transposed' | 'gather';

/** The tile and panel shape chosen for a product. */
export interface TileShape {
  /** Rows per tile. */
  readonly rows: number;
  /** f32x4 column vectors per tile. */
  readonly vectors: number;
  /** Columns per panel (a multiple of 4·vectors), so a panel of the column factor stays in cache. */
  readonly panel: number;
  /** k steps per iteration: 4 when a column factor is read along k and transposed in registers. */
  readonly step: 1 | 4;
}

/** Bytes of the column factor one panel may span (half of a typical 512 KiB L2). */
const PANEL_BYTES = 256 * 1024;

/**
 * A load as the tiles read it: `panel` marks a packed one, read as stored vectors (columns) or four rows a k step (rows);
 * `tileStride` (elements per row of the tile's first row, when not `outer`) places a row tile in a panel of row groups.
 */
type TileLoad = TiledLoad & { readonly panel?: true; readonly tileStride?: number };

const columnRead = (l: TileLoad): ColumnRead => (l.outer === 1 || l.panel ? 'vector' : l.outer === 0 ? 'splat' : l.inner === 1 ? 'transposed' : 'gather');

/** Columns per block of a packed panel: the width of a 4x8 tile. */
const BLOCK = 8;

/**
 * A column-factor load copied once per call into a scratch panel (as BLAS packs panels): per batch entry, blocks of
 * eight columns, each block k rows of eight contiguous floats, so a tile reads 32 consecutive bytes per k step whatever
 * the operand's layout (a transposed x·Wᵀ, or a row stride that maps every row onto the same cache sets). k stays in
 * order, so the bits stay.
 */
export interface PackedLoad {
  /** Index of the load in the tiling's column factor. */
  readonly x: number;
  /** Byte offset of its panel in the scratch block. */
  readonly at: number;
  /** Distinct batch entries it reads (axes it is broadcast over get one panel). */
  readonly entries: number;
  /** Element stride of each batch axis in the panel (0 where the load is broadcast). */
  readonly strides: readonly number[];
  /** The panel holds the whole column factor, its prologue applied (x is 0): the prologue runs once per element, not per row tile. */
  readonly value?: true;
}

/**
 * The row factor's value (its prologue applied) copied once per call: per batch entry, groups of four rows (the last
 * padded), each k steps of four contiguous floats, so a 4-row tile reads 16 consecutive bytes a k step whatever the
 * operand's layout (a transposed gᵀ·x, whose k steps are m floats apart, read one line per step, all in one L1 set).
 */
export interface PackedRows {
  /** Byte offset of its panel in the scratch block. */
  readonly at: number;
  readonly entries: number;
  /** Element stride of each batch axis in the panel (0 where no load of the factor varies along it). */
  readonly strides: readonly number[];
  /** m rounded up to four. */
  readonly width: number;
  /** Groups of four rows per packing unit (about 4K floats a unit). */
  readonly groups: number;
}

export interface Packing {
  readonly loads: readonly PackedLoad[];
  /** The row factor's panel, units after the column factor's: one per batch entry. */
  readonly rows?: PackedRows;
  /** Scratch bytes the panels take. */
  readonly bytes: number;
  /** Work units of the packing phase: one per block of eight columns of one entry, then the row panel's (`groups` groups of four rows of one entry each), before any tile. */
  readonly units: number;
}

/** Fewer rows than this do not amortise a copy of a column factor read along k: those keep the in-register transpose. */
export const PACK_MIN_ROWS = 8;
/** A stored (row-major) column factor is copied for this many rows or more: the copy costs about what 1/16 of them compute. */
export const PACK_STORED_ROWS = 16;
/** A row factor read with a k stride (gᵀ·x) or with a prologue is copied from this many columns: it is read n/8 times. */
export const PACK_ROWS_MIN_COLUMNS = 16;
/**
 * From this k a row-major row factor is packed too: a tile's four rows (16·k bytes) and its column block (32·k) no longer
 * share L1, and rows 4·k bytes apart crowd its sets (measured: 1000x4096x128 14 -> 27 GFLOP/s; k = 512 or 784 no change).
 */
export const PACK_ROWS_LONG_K = 1024;
/** Floats a row-panel packing unit copies, about: units small enough to share among threads, big enough to outweigh a claim. */
const ROW_UNIT_FLOATS = 4096;

const gcd = (a: number, b: number): number => (b ? gcd(b, a % b) : a);
/** L1 sets (64 of 64-byte lines, 32 KiB 8-way on x64) that rows `stride` bytes apart fall into. */
const l1Sets = (stride: number): number => (stride % 64 ? 64 : 64 / gcd(stride / 64, 64));
/**
 * A stored column factor is packed only when its rows crowd into a quarter of L1's sets or fewer (n a multiple of 64:
 * a tile's k rows then evict each other); other strides read as well in place (measured: n = 784 lost the copy's ~5%).
 */
export const crowdsL1 = (n: number): boolean => l1Sets(4 * n) <= 16;

const blocks = (t: MatmulTiling) => Math.ceil((t.n - (t.n % 4)) / BLOCK);

/** Which column-factor loads are packed, or undefined when none is worth it. */
export const packing = (t: MatmulTiling): Packing | undefined => {
  if (t.n < 4) return undefined;
  const loads: PackedLoad[] = [];
  let at = SCRATCH_HEAD;
  const entrySize = blocks(t) * BLOCK * t.k;
  const worth = (l: TiledLoad) => l.inner !== 0 && ((l.outer > 1 && t.m >= PACK_MIN_ROWS) || (l.outer === 1 && t.m >= PACK_STORED_ROWS && crowdsL1(t.n)));
  /** A panel of `entrySize` floats per entry over the batch axes `varies` says the packed values depend on. */
  const panel = (entrySize: number, varies: (a: number) => boolean) => {
    const strides = t.batch.map(() => 0);
    let size = entrySize;
    for (let a = t.batch.length - 1; a >= 0; a--) {
      if (!varies(a)) continue;
      strides[a] = size;
      size *= t.batch[a];
    }
    const p = { at, entries: size / entrySize, strides };
    at += Math.ceil((4 * size) / 64) * 64;
    return p;
  };
  const along = (f: TiledFactor) => (a: number) => f.loads.some((l) => l.batch[a] !== 0);
  // a prologue runs once per row tile in the tiles, once per element packed: from 16 rows the copy pays whatever the layout
  if (hasPrologue(t.b) && t.b.loads.some((l) => worth(l) || (l.inner !== 0 && t.m >= PACK_STORED_ROWS))) loads.push({ x: 0, value: true, ...panel(entrySize, along(t.b)) });
  else t.b.loads.forEach((l, x) => worth(l) && loads.push({ x, ...panel(entrySize, (a) => l.batch[a] !== 0) }));
  // the row factor's prologue runs once per 8 columns in the tiles, and a k stride reads a line per k step: from 16
  // columns, once per element packed, in groups of four rows (tiles of four rows only: a 6-row tile is not a group)
  const width = Math.ceil(t.m / 4) * 4;
  const strided = t.a.loads.some((l) => l.inner > 1 || (l.inner === 1 && t.k >= PACK_ROWS_LONG_K));
  const fourRows = !transposedTiles(t.b.loads.map((l, x) => (loads.some((q) => q.x === x || q.value) ? { ...l, panel: true as const } : l)), t.k);
  const groups = Math.max(1, Math.ceil(ROW_UNIT_FLOATS / (4 * t.k)));
  const rows = (hasPrologue(t.a) || strided) && fourRows && t.n >= PACK_ROWS_MIN_COLUMNS && t.k > 1 ? { width, groups, ...panel(width * t.k, along(t.a)) } : undefined;
  const units = loads.reduce((s, l) => s + l.entries * blocks(t), 0) + (rows ? rows.entries * rowUnits(rows) : 0);
  return units ? { loads, ...(rows ? { rows } : {}), bytes: at, units } : undefined;
};

/** Packing units of a row panel per entry. */
const rowUnits = (r: PackedRows) => Math.ceil(r.width / 4 / r.groups);

/** Whether tiles read a column factor along k by transposing four k steps in registers (6x4 tiles). */
const transposedTiles = (loads: readonly TileLoad[], k: number) => loads.some((l) => columnRead(l) === 'transposed') && k >= 4;

/** Whether a factor computes anything from its loads (a bias add, a scale) besides reading one. */
const hasPrologue = (f: TiledFactor) => f.loads.length > 1 || f.value !== f.loads[0]?.load;

/** Byte offset in the scratch block of the i32 unit counter threads claim units from (the caller zeroes it before each range). */
export const COUNTER = 0;
/** Scratch bytes before the first panel: the counter, on a cache line of its own. */
export const SCRATCH_HEAD = 64;

/** Scratch bytes a tiled kernel takes: the counter, then its packed panels. */
export const scratchBytes = (p: Packing | undefined): number => p?.bytes ?? SCRATCH_HEAD;

/** The tiling the tiles read: packed loads read their panels, column j0's block at j0·k, then eight floats per k step. */
const packedTiling = (t: MatmulTiling, p: Packing | undefined): MatmulTiling => {
  if (!p) return t;
  const whole = p.loads.find((q) => q.value);
  const r = p.rows;
  // the tiles read a factor's value from its panel as if it were a load: no prologue left to run
  const a = r ? { value: t.a.value, loads: [{ load: t.a.value, offset: 0, batch: r.strides, outer: 1, inner: 4, tileStride: t.k, panel: true } as TileLoad] } : t.a;
  if (whole) return { ...t, a, b: { value: t.b.value, loads: [{ load: t.b.value, offset: 0, batch: whole.strides, outer: t.k, inner: BLOCK, panel: true } as TileLoad] } };
  const loads = t.b.loads.map((l, x): TileLoad => {
    const q = p.loads.find((pl) => pl.x === x);
    return q ? { load: l.load, offset: 0, batch: q.strides, outer: t.k, inner: BLOCK, panel: true } : l;
  });
  return { ...t, a, b: { ...t.b, loads } };
};

/** The tile and panel shape for a tiling as its tiles read it (packed loads already rewritten). */
const shapeOf = (t: MatmulTiling): TileShape => {
  const transposed = transposedTiles(t.b.loads, t.k);
  // 4 rows x 2 vectors: 8 accumulators. A transposed column factor keeps 4 more registers per vector, and V8
  // issues a block's loads before its arithmetic, so 6 rows x 1 vector spilled least and measured fastest
  const [rows, vectors] = transposed ? [6, 1] : [4, 2];
  const n4 = t.n - (t.n % 4);
  const width = 4 * vectors;
  const fit = Math.max(width, Math.floor(PANEL_BYTES / (4 * t.k) / width) * width);
  return { rows, vectors, panel: Math.max(width, Math.min(fit, Math.ceil(n4 / width) * width)), step: transposed ? 4 : 1 };
};

export const tileShape = (t: MatmulTiling): TileShape => shapeOf(packedTiling(t, packing(t)));

/** Thrown when a prologue op has no four-lane form: the kernel renders untiled instead. */
export class Untileable extends Error {}

const batchCount = (t: MatmulTiling) => t.batch.reduce((a, b) => a * b, 1);

/** Work units: panels × batch entries × row tiles. */
export const tiledUnits = (t: MatmulTiling, s: TileShape): number => {
  const n4 = t.n - (t.n % 4);
  return Math.max(1, Math.ceil(n4 / s.panel)) * batchCount(t) * Math.ceil(t.m / s.rows);
};

/** Renders a tiled kernel with the kernel's own per-element emitter `e` for its uniform values, epilogue and edges. */
export class TiledEmitter {
  private readonly t: MatmulTiling;
  readonly shape: TileShape;
  private readonly c: Code;
  private readonly tileValues = new Map<number, number>();
  /** Top-level varying nodes the stores need besides the accumulation (the epilogue). */
  private readonly epilogue: Set<number>;
  private readonly coneA: KNode[];
  private readonly coneB: KNode[];
  /** The column factor's prologue over its own loads (what a value panel is packed with). */
  private readonly coneValue: KNode[];
  /** The row factor's prologue over its own loads (what a row panel is packed with). */
  private readonly coneRows: KNode[];
  /** Op context for prologue nodes: the emitter's, with factor values read from the tile's registers. */
  private readonly ctx: OpContext;

  constructor(private readonly e: KernelEmitter, private readonly k: Kernel, private readonly fma: boolean, private readonly pack: Packing | undefined) {
    this.t = packedTiling(k.tiling!, pack);
    this.shape = shapeOf(this.t);
    this.c = e.c;
    const acc = this.t.accumulate;
    const topLevel = new Set(k.nodes.map((n) => n.id));
    if (e.node(acc)?.op !== 'accumulate' || !topLevel.has(acc)) e.fail(`its tiling names node ${acc}, which is not a top-level accumulation`);
    for (const l of [...k.tiling!.a.loads, ...k.tiling!.b.loads]) if (e.node(l.load)?.op !== 'load') e.fail(`its tiling names node ${l.load} as a load`);
    this.epilogue = new Set();
    const stack = k.stores.map((s) => s.value);
    while (stack.length) {
      const id = stack.pop()!;
      if (id === acc || this.epilogue.has(id) || !topLevel.has(id)) continue;
      this.epilogue.add(id);
      stack.push(...operands(e.node(id)));
    }
    const body = (e.node(acc) as Extract<KNode, { op: 'accumulate' }>).body;
    this.coneA = this.cone(body, this.t.a);
    this.coneB = this.cone(body, this.t.b);
    this.coneValue = this.cone(body, k.tiling!.b);
    this.coneRows = this.cone(body, k.tiling!.a);
    this.ctx = {
      c: e.c,
      i: e.i,
      lane: 0,
      node: (id) => e.node(id),
      param: (b) => e.param(b),
      host: (fn) => e.host(fn),
      fail: (why) => e.fail(why),
      isVarying: (id) => e.isVarying(id),
      sLocal: (id) => e.sLocal(id),
      laneShape: (id) => e.laneShape(id),
      pushFirst: (id) => e.pushFirst(id),
      pushVector: (id) => {
        const l = this.tileValues.get(id);
        if (l !== undefined) e.c.get(l);
        else e.pushVector(id);
      },
    };
  }

  /** How the kernel was rendered, for reports. */
  get schedule(): string {
    const s = this.shape;
    return `tiled ${s.rows}x${4 * s.vectors}${s.step === 4 ? ' transposed' : ''}${this.pack ? ' packed' : ''}${this.fma ? ' fma' : ''}`;
  }

  /** The nodes between a factor's loads and its value, in definition order: hoisted top-level ones, then the body's. */
  private cone(body: readonly KNode[], f: TiledFactor): KNode[] {
    const loads = new Set(f.loads.map((l) => l.load));
    const inBody = new Set(allNodes(body).map((n) => n.id));
    const need = new Set<number>();
    const walk = (id: number) => {
      if (need.has(id) || loads.has(id) || (!inBody.has(id) && !this.e.isVarying(id))) return;
      need.add(id);
      operands(this.e.node(id)).forEach(walk);
    };
    walk(f.value);
    return [...this.k.nodes, ...allNodes(body)].filter((n) => need.has(n.id));
  }

  private tileLocal(id: number): number {
    let l = this.tileValues.get(id);
    if (l === undefined) this.tileValues.set(id, (l = this.c.local('v128')));
    return l;
  }

  /** Computes a factor from its loads' values (already in their tile locals); returns the local holding it. */
  private factor(f: TiledFactor, cone: readonly KNode[]): number {
    const c = this.c;
    for (const n of cone) {
      if (!vectorOp(this.ctx, n)) throw new Untileable(`${n.op} ${'fn' in n ? n.fn : ''} has no four-lane form`);
      c.set(this.tileLocal(n.id));
    }
    return this.tileLocal(f.value);
  }

  /** The tiled loops; run once per module. Parameters: buffers, then the unit range [begin, end). */
  render(): void {
    const c = this.c;
    const t = this.t;
    const s = this.shape;
    const e = this.e;
    e.prelude();
    const i32 = () => c.local('i32');
    const [u, bb, i0, j0, jEnd, panel] = [i32(), i32(), i32(), i32(), i32(), i32()];
    const n4 = t.n - (t.n % 4);
    const panels = Math.max(1, Math.ceil(n4 / s.panel));
    const rowTiles = Math.ceil(t.m / s.rows);
    const perPanel = batchCount(t) * rowTiles;
    const baseA = t.a.loads.map(i32);
    const baseB = t.b.loads.map(i32);
    const batchIdx = t.batch.map(i32);
    const scratch = this.k.params.length;
    c.open('block').open('loop');
    // claim the next unit of [begin, end): every thread given the range takes units until none is left (a thread that is
    // descheduled holds back only the unit it has); a unit's values do not depend on the thread that computes it
    c.get(e.begin).get(scratch).i32(1).atomicAdd(COUNTER).op('i32.add').op('local.tee', u).get(e.end).op('i32.ge_s').op('br_if', 1);
    if (this.pack) {
      // units [0, P) pack panels, [P, size) are tiles
      c.get(u).i32(this.pack.units).op('i32.lt_s').op('if', 0x40);
      this.packUnit(this.pack, u);
      c.op('br', 1).op('end');
      c.get(u).i32(this.pack.units).op('i32.sub').set(u);
    }
    // unit -> panel, batch entry, row tile
    c.get(u).i32(perPanel).op('i32.div_u').set(panel);
    c.get(u).i32(perPanel).op('i32.rem_u').i32(rowTiles).op('i32.div_u').set(bb);
    c.get(u).i32(rowTiles).op('i32.rem_u').i32(s.rows).op('i32.mul').set(i0);
    let below = 1;
    for (let a = t.batch.length - 1; a >= 0; a--) {
      c.get(bb).i32(below).op('i32.div_u').i32(t.batch[a]).op('i32.rem_u').set(batchIdx[a]);
      below *= t.batch[a];
    }
    const base = (l: TiledLoad, local: number, outer: number | undefined) => {
      const packed = this.pack?.loads.find((p) => t.b.loads[p.x] === l) ?? (this.pack?.rows && t.a.loads[0] === l ? this.pack.rows : undefined);
      if (packed) c.get(scratch).i32(packed.at).op('i32.add');
      else c.get(e.param((e.node(l.load) as Extract<KNode, { op: 'load' }>).buffer));
      c.i32(4 * l.offset).op('i32.add');
      l.batch.forEach((stride, a) => stride && c.get(batchIdx[a]).i32(4 * stride).op('i32.mul').op('i32.add'));
      const perRow = (l as TileLoad).tileStride ?? l.outer;
      if (outer !== undefined && perRow) c.get(outer).i32(4 * perRow).op('i32.mul').op('i32.add');
      c.set(local);
    };
    t.a.loads.forEach((l, x) => base(l, baseA[x], i0));
    t.b.loads.forEach((l, x) => base(l, baseB[x], undefined));
    c.get(panel).i32(s.panel).op('i32.mul').set(j0);
    c.get(j0).i32(s.panel).op('i32.add').set(jEnd);
    c.get(jEnd).i32(n4).get(jEnd).i32(n4).op('i32.lt_u').op('select').set(jEnd);
    const full = t.m % s.rows === 0;
    if (!full) c.get(i0).i32(s.rows).op('i32.add').i32(t.m).op('i32.le_u').op('if', 0x40);
    this.rowsOf(s.rows, { u, bb, i0, j0, jEnd, panel, baseA, baseB }, panels);
    if (!full) {
      c.op('else');
      this.rowsOf(t.m % s.rows, { u, bb, i0, j0, jEnd, panel, baseA, baseB }, panels);
      c.op('end');
    }
    c.op('br', 0).op('end').op('end');
  }

  /** Pack unit u (< P): one block of eight columns (four in a last, narrower block) of one packed load and entry, k in order. */
  private packUnit(p: Packing, u: number): void {
    const c = this.c;
    const t = this.k.tiling!;
    const n4 = t.n - (t.n % 4);
    const nb = blocks(t);
    const [entry, jb, dst, dEnd, qEnd] = [c.local('i32'), c.local('i32'), c.local('i32'), c.local('i32'), c.local('i32')];
    let first = 0;
    for (const pl of p.loads) {
      // the loads the panel is made from, each with its own source pointer
      const from = pl.value ? t.b.loads : [t.b.loads[pl.x]];
      const src = from.map(() => c.local('i32'));
      const last = first + pl.entries * nb;
      c.get(u).i32(first).op('i32.ge_s').get(u).i32(last).op('i32.lt_s').op('i32.and').op('if', 0x40);
      c.get(u).i32(first).op('i32.sub').op('local.tee', jb).i32(nb).op('i32.div_u').set(entry);
      c.get(jb).i32(nb).op('i32.rem_u').set(jb);
      // sources: each load's address at this entry, column jb·8, k step 0
      from.forEach((l, x) => {
        this.entryAddress(l, pl.strides, entry);
        c.get(jb).i32(4 * BLOCK * l.outer).op('i32.mul').op('i32.add').set(src[x]);
      });
      // destination: the entry's panel, block jb (k·8 floats each)
      c.get(this.k.params.length).i32(pl.at).op('i32.add').get(entry).i32(4 * nb * BLOCK * t.k).op('i32.mul').op('i32.add');
      c.get(jb).i32(4 * BLOCK * t.k).op('i32.mul').op('i32.add').op('local.tee', dst);
      c.i32(4 * BLOCK * t.k).op('i32.add').set(dEnd);
      // one k step per iteration: bit copies (i32, v128) of a load, or the factor's value as the tiles would compute it
      const copyRows = (width: number) => {
        const l = from[0];
        const quads = !pl.value && l.inner === 1 && l.outer > 1 ? Math.floor(t.k / 4) : 0;
        if (quads) {
          // four k steps of each column as one vector (they are contiguous), transposed in registers into four k steps of
          // `width` columns: 2 loads, 2 stores and 8 shuffles a column-step pair instead of 8 scalar loads and stores
          c.get(dst).i32(4 * 4 * BLOCK * quads).op('i32.add').set(qEnd);
          c.open('loop');
          for (let h = 0; h < width / 4; h++) {
            const cols = [0, 1, 2, 3].map((jj) => {
              const r = c.local('v128');
              c.get(src[0]).mem('v128.load', 2, 4 * l.outer * (4 * h + jj)).set(r);
              return r;
            });
            transpose4(c, cols).forEach((step, q) => c.get(dst).get(step).mem('v128.store', 2, 4 * BLOCK * q + 16 * h));
          }
          c.get(src[0]).i32(16).op('i32.add').set(src[0]);
          c.get(dst).i32(4 * 4 * BLOCK).op('i32.add').op('local.tee', dst).get(qEnd).op('i32.lt_u').op('br_if', 0);
          c.op('end');
          if (t.k % 4 === 0) return;
        }
        c.open('loop');
        if (pl.value) {
          const values = Array.from({ length: width / 4 }, (_, v) => this.columnFactor(t.b, this.coneValue, src, v, 0, undefined));
          values.forEach((value, v) => c.get(dst).get(value).mem('v128.store', 2, 16 * v));
        } else if (l.outer === 1) for (let v = 0; v < width / 4; v++) c.get(dst).get(src[0]).mem('v128.load', 2, 16 * v).mem('v128.store', 2, 16 * v);
        else for (let jj = 0; jj < width; jj++) c.get(dst).get(src[0]).mem('i32.load', 2, 4 * l.outer * jj).mem('i32.store', 2, 4 * jj);
        from.forEach((f, x) => f.inner && c.get(src[x]).i32(4 * f.inner).op('i32.add').set(src[x]));
        c.get(dst).i32(4 * BLOCK).op('i32.add').op('local.tee', dst).get(dEnd).op('i32.lt_u').op('br_if', 0);
        c.op('end');
      };
      if (n4 % BLOCK === 0) copyRows(BLOCK);
      else {
        c.get(jb).i32(nb - 1).op('i32.eq').op('if', 0x40);
        copyRows(n4 % BLOCK);
        c.op('else');
        copyRows(BLOCK);
        c.op('end');
      }
      c.op('end');
      first = last;
    }
    if (p.rows) this.packRows(p.rows, u, first);
  }

  /** Pushes load l's address at the batch indices of panel entry `entry` (over the axes with a panel stride), row and column 0. */
  private entryAddress(l: TiledLoad, strides: readonly number[], entry: number): void {
    const c = this.c;
    const t = this.k.tiling!;
    c.get(this.e.param((this.e.node(l.load) as Extract<KNode, { op: 'load' }>).buffer)).i32(4 * l.offset).op('i32.add');
    let below = 1;
    for (let a = t.batch.length - 1; a >= 0; a--) {
      if (strides[a] === 0) continue;
      c.get(entry).i32(below).op('i32.div_u').i32(t.batch[a]).op('i32.rem_u').i32(4 * l.batch[a]).op('i32.mul').op('i32.add');
      below *= t.batch[a];
    }
  }

  /** Pack unit u in [first, first + entries·units): `groups` groups of four rows of one entry, each every k step in order. */
  private packRows(r: PackedRows, u: number, first: number): void {
    const c = this.c;
    const t = this.k.tiling!;
    const f = t.a;
    const i32 = () => c.local('i32');
    const [entry, dst, d, q, g, gEnd, last] = [i32(), i32(), i32(), i32(), i32(), i32(), i32()];
    const src = f.loads.map(i32);
    const at = f.loads.map(i32);
    const perEntry = rowUnits(r);
    const full = Math.floor(t.m / 4);
    c.get(u).i32(first).op('i32.ge_s').op('if', 0x40);
    c.get(u).i32(first).op('i32.sub').op('local.tee', g).i32(perEntry).op('i32.div_u').set(entry);
    // this unit's groups [g, gEnd) of the entry's full ones (the partial last group follows in the last unit)
    c.get(g).i32(perEntry).op('i32.rem_u').i32(r.groups).op('i32.mul').set(g);
    c.get(g).i32(r.groups).op('i32.add').set(gEnd);
    // the unit whose groups reach past the full ones packs the partial last group
    c.get(gEnd).i32(full).op('i32.gt_u').set(last);
    c.get(gEnd).i32(full).get(gEnd).i32(full).op('i32.lt_u').op('select').set(gEnd);
    // sources: each load's address at this entry, row 0, k step 0
    f.loads.forEach((l, x) => {
      this.entryAddress(l, r.strides, entry);
      c.set(src[x]);
    });
    c.get(this.k.params.length).i32(r.at).op('i32.add').get(entry).i32(4 * r.width * t.k).op('i32.mul').op('i32.add').set(dst);
    /** Rows 4g..4g+3 at every k step, 16 bytes a step; lanes past the last row (`valid` < 4) repeat it and are never read. */
    const group = (valid: number) => {
      f.loads.forEach((l, x) => c.get(src[x]).get(g).i32(16 * l.outer).op('i32.mul').op('i32.add').set(at[x]));
      c.get(dst).get(g).i32(16 * t.k).op('i32.mul').op('i32.add').set(d);
      c.i32(0).set(q);
      const l = f.loads[0];
      const quads = valid === 4 && !hasPrologue(f) && l.inner === 1 && l.outer > 1 ? Math.floor(t.k / 4) : 0;
      if (quads) {
        // four k steps of each row as one vector, transposed in registers into four k steps of the four rows
        c.open('loop');
        const rowsNow = [0, 1, 2, 3].map((r) => {
          const v = c.local('v128');
          c.get(at[0]).mem('v128.load', 2, 4 * l.outer * r).set(v);
          return v;
        });
        transpose4(c, rowsNow).forEach((step, s) => c.get(d).get(step).mem('v128.store', 2, 16 * s));
        c.get(at[0]).i32(16).op('i32.add').set(at[0]);
        c.get(d).i32(64).op('i32.add').set(d);
        c.get(q).i32(4).op('i32.add').op('local.tee', q).i32(4 * quads).op('i32.lt_u').op('br_if', 0);
        c.op('end');
        if (t.k % 4 === 0) return;
      }
      c.open('loop');
      f.loads.forEach((l, x) => {
        if (l.outer === 0) c.get(at[x]).mem('v128.load32_splat', 2, 0);
        else if (l.outer === 1 && valid === 4) c.get(at[x]).mem('v128.load', 2, 0);
        else {
          c.get(at[x]).mem('v128.load32_splat', 2, 0);
          for (let lane = 1; lane < 4; lane++) c.get(at[x]).mem('f32.load', 2, 4 * l.outer * Math.min(lane, valid - 1)).lane('f32x4.replace_lane', lane);
        }
        c.set(this.tileLocal(l.load));
      });
      const value = this.factor(f, this.coneRows);
      c.get(d).get(value).mem('v128.store', 2, 0);
      f.loads.forEach((l, x) => l.inner && c.get(at[x]).i32(4 * l.inner).op('i32.add').set(at[x]));
      c.get(d).i32(16).op('i32.add').set(d);
      c.get(q).i32(1).op('i32.add').op('local.tee', q).i32(t.k).op('i32.lt_u').op('br_if', 0);
      c.op('end');
    };
    if (full) {
      c.open('block').open('loop');
      c.get(g).get(gEnd).op('i32.ge_u').op('br_if', 1);
      group(4);
      c.get(g).i32(1).op('i32.add').set(g).op('br', 0).op('end').op('end');
    }
    if (t.m % 4) {
      c.get(last).op('if', 0x40);
      c.i32(full).set(g);
      group(t.m % 4);
      c.op('end');
    }
    c.op('end');
  }

  /** One unit's columns with `rows` rows: full tiles, a one-vector tile, then the scalar columns. */
  private rowsOf(rows: number, at: Locals, panels: number): void {
    const c = this.c;
    const t = this.t;
    const n4 = t.n - (t.n % 4);
    for (const vectors of this.shape.vectors === 2 ? [2, 1] : [1]) {
      c.open('block').open('loop');
      c.get(at.j0).i32(4 * vectors).op('i32.add').get(at.jEnd).op('i32.gt_u').op('br_if', 1);
      this.tile(rows, vectors, at);
      c.get(at.j0).i32(4 * vectors).op('i32.add').set(at.j0).op('br', 0).op('end').op('end');
    }
    if (n4 === t.n) return;
    // columns n4..n-1, element by element with the kernel's own code, in the last panel's units
    const [r, j] = [c.local('i32'), c.local('i32')];
    c.get(at.panel).i32(panels - 1).op('i32.eq').op('if', 0x40);
    c.i32(0).set(r).open('block').open('loop');
    c.get(r).i32(rows).op('i32.ge_u').op('br_if', 1);
    c.i32(n4).set(j).open('block').open('loop');
    c.get(j).i32(t.n).op('i32.ge_u').op('br_if', 1);
    this.elementIndex(at, () => c.get(r), () => c.get(j));
    this.e.elementScalar();
    c.get(j).i32(1).op('i32.add').set(j).op('br', 0).op('end').op('end');
    c.get(r).i32(1).op('i32.add').set(r).op('br', 0).op('end').op('end');
    c.op('end');
  }

  /** Sets the element index local to ((bb·m + i0 + row)·n + column). */
  private elementIndex(at: Locals, row: () => void, column: () => void): void {
    const c = this.c;
    c.get(at.bb).i32(this.t.m).op('i32.mul').get(at.i0).op('i32.add');
    row();
    c.op('i32.add').i32(this.t.n).op('i32.mul');
    column();
    c.op('i32.add').set(this.e.i);
  }

  /** One rows × 4·vectors tile at column j0: k in order, then the epilogue. */
  private tile(rows: number, vectors: number, at: Locals): void {
    const c = this.c;
    const t = this.t;
    const acc = Array.from({ length: rows }, () => Array.from({ length: vectors }, () => c.local('v128')));
    for (const row of acc) for (const l of row) c.v128i32([0, 0, 0, 0]).set(l);
    const pA = t.a.loads.map(() => c.local('i32'));
    const pB = t.b.loads.map(() => c.local('i32'));
    t.a.loads.forEach((_, x) => c.get(at.baseA[x]).set(pA[x]));
    t.b.loads.forEach((l, x) => {
      c.get(at.baseB[x]);
      if (l.outer) c.get(at.j0).i32(4 * l.outer).op('i32.mul').op('i32.add');
      c.set(pB[x]);
    });
    const q = c.local('i32');
    c.i32(0).set(q);
    const advance = (steps: number) => {
      t.a.loads.forEach((l, x) => l.inner && c.get(pA[x]).i32(4 * l.inner * steps).op('i32.add').set(pA[x]));
      t.b.loads.forEach((l, x) => l.inner && c.get(pB[x]).i32(4 * l.inner * steps).op('i32.add').set(pB[x]));
      c.get(q).i32(steps).op('i32.add').set(q);
    };
    if (this.shape.step === 4) {
      c.open('block').open('loop');
      c.get(q).i32(4).op('i32.add').i32(t.k).op('i32.gt_u').op('br_if', 1);
      this.steps4(rows, vectors, acc, pA, pB);
      advance(4);
      c.op('br', 0).op('end').op('end');
    }
    const driver = t.b.loads.findIndex((l) => l.inner > 0);
    if (this.shape.step === 1 && driver >= 0) {
      // k ≥ 1 steps, tested at the bottom against the end of one column pointer: no counter to keep
      const stop = c.local('i32');
      c.get(pB[driver]).i32(4 * t.b.loads[driver].inner * t.k).op('i32.add').set(stop);
      c.open('loop');
      const b = Array.from({ length: vectors }, (_, v) => this.columnFactor(t.b, this.coneB, pB, v, 0, undefined));
      this.multiplyAdd(rows, acc, pA, 0, b);
      t.a.loads.forEach((l, x) => l.inner && c.get(pA[x]).i32(4 * l.inner).op('i32.add').set(pA[x]));
      t.b.loads.forEach((l, x) => l.inner && c.get(pB[x]).i32(4 * l.inner).op('i32.add').set(pB[x]));
      c.get(pB[driver]).get(stop).op('i32.lt_u').op('br_if', 0);
      c.op('end');
    } else {
      c.open('block').open('loop');
      c.get(q).i32(t.k).op('i32.ge_u').op('br_if', 1);
      const b = Array.from({ length: vectors }, (_, v) => this.columnFactor(t.b, this.coneB, pB, v, 0, undefined));
      this.multiplyAdd(rows, acc, pA, 0, b);
      advance(1);
      c.op('br', 0).op('end').op('end');
    }
    this.epilogueOf(rows, vectors, acc, at);
  }

  /** Four k steps with transposed column loads: four v128 loads along k per vector, transposed in registers. */
  private steps4(rows: number, vectors: number, acc: number[][], pA: number[], pB: number[]): void {
    const c = this.c;
    const t = this.t;
    // per transposed load and vector: the four k steps' column vectors
    const lanes = new Map<string, number[]>();
    t.b.loads.forEach((l, x) => {
      if (columnRead(l) !== 'transposed') return;
      for (let v = 0; v < vectors; v++) {
        const cols = [0, 1, 2, 3].map((col) => {
          const r = c.local('v128');
          c.get(pB[x]).mem('v128.load', 2, 4 * l.outer * (4 * v + col)).set(r);
          return r;
        });
        lanes.set(`${x}/${v}`, transpose4(c, cols));
      }
    });
    if (t.b.loads.every((l) => columnRead(l) === 'transposed')) {
      // the four steps as a loop over rotating registers: each step's row broadcasts stay in its own block (unrolled,
      // V8 loads all 4·rows of them first and spills)
      const pAs = pA.map((p) => {
        const l = c.local('i32');
        c.get(p).set(l);
        return l;
      });
      const s = c.local('i32');
      c.i32(0).set(s);
      c.open('block').open('loop');
      const b = Array.from({ length: vectors }, (_, v) => this.columnFactor(t.b, this.coneB, pB, v, 0, (x) => lanes.get(`${x}/${v}`)?.[0]));
      this.multiplyAdd(rows, acc, pAs, 0, b);
      t.a.loads.forEach((l, x) => l.inner && c.get(pAs[x]).i32(4 * l.inner).op('i32.add').set(pAs[x]));
      for (const regs of lanes.values()) for (let k = 0; k < 3; k++) c.get(regs[k + 1]).set(regs[k]);
      c.get(s).i32(1).op('i32.add').op('local.tee', s).i32(4).op('i32.lt_u').op('br_if', 0);
      c.op('end').op('end');
      return;
    }
    for (let step = 0; step < 4; step++) {
      const b = Array.from({ length: vectors }, (_, v) => this.columnFactor(t.b, this.coneB, pB, v, step, (x) => lanes.get(`${x}/${v}`)?.[step]));
      this.multiplyAdd(rows, acc, pA, step, b);
    }
  }

  /** The column factor for vector v at k step `step` (from the pointers), in a fresh local. */
  private columnFactor(f: TiledFactor, cone: readonly KNode[], pB: number[], v: number, step: number, transposed: ((x: number) => number | undefined) | undefined): number {
    const c = this.c;
    f.loads.forEach((l, x) => {
      const off = 4 * l.inner * step;
      const ready = transposed?.(x);
      if (ready !== undefined) c.get(ready);
      else if (columnRead(l) === 'vector') c.get(pB[x]).mem('v128.load', 2, off + 16 * v);
      else if (columnRead(l) === 'splat') c.get(pB[x]).mem('v128.load32_splat', 2, off);
      else {
        c.get(pB[x]).mem('v128.load32_splat', 2, off + 4 * l.outer * 4 * v);
        for (let lane = 1; lane < 4; lane++) c.get(pB[x]).mem('f32.load', 2, off + 4 * l.outer * (4 * v + lane)).lane('f32x4.replace_lane', lane);
      }
      c.set(this.tileLocal(l.load));
    });
    const out = c.local('v128');
    c.get(this.factor(f, cone)).set(out);
    return out;
  }

  /** acc[r][v] = acc[r][v] + a(r)·b[v] (or a fused multiply-add), rows in order. */
  private multiplyAdd(rows: number, acc: number[][], pA: number[], step: number, b: number[]): void {
    const c = this.c;
    const t = this.t;
    for (let r = 0; r < rows; r++) {
      t.a.loads.forEach((l, x) => c.get(pA[x]).mem('v128.load32_splat', 2, 4 * (l.outer * r + l.inner * step)).set(this.tileLocal(l.load)));
      const a = this.factor(t.a, this.coneA);
      b.forEach((bv, v) => {
        if (this.fma) c.get(a).get(bv).get(acc[r][v]).simd('f32x4.relaxed_madd');
        else c.get(acc[r][v]).get(a).get(bv).simd('f32x4.mul').simd('f32x4.add');
        c.set(acc[r][v]);
      });
    }
  }

  /** The epilogue on the tile: four lanes at a time when groups of four columns are aligned elements, else lane by lane. */
  private epilogueOf(rows: number, vectors: number, acc: number[][], at: Locals): void {
    const c = this.c;
    const t = this.t;
    const accId = t.accumulate;
    const include = (n: KNode) => this.epilogue.has(n.id);
    for (let r = 0; r < rows; r++) {
      for (let v = 0; v < vectors; v++) {
        if (t.n % 4 === 0) {
          this.elementIndex(at, () => c.i32(r), () => c.get(at.j0).i32(4 * v).op('i32.add'));
          c.get(acc[r][v]).set(this.e.vLocal(accId));
          this.e.elementVector(include);
          continue;
        }
        for (let lane = 0; lane < 4; lane++) {
          this.elementIndex(at, () => c.i32(r), () => c.get(at.j0).i32(4 * v + lane).op('i32.add'));
          c.get(acc[r][v]).lane('f32x4.extract_lane', lane).set(this.e.sLocal(accId));
          this.e.elementScalar(include);
        }
      }
    }
  }
}

interface Locals {
  readonly u: number;
  readonly bb: number;
  readonly i0: number;
  readonly j0: number;
  readonly jEnd: number;
  readonly panel: number;
  readonly baseA: readonly number[];
  readonly baseB: readonly number[];
}
