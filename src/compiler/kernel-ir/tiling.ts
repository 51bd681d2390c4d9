// The optional matmul schedule of a kernel: which top-level accumulation is a matrix product and
// how its two factors are read (strides over batch, row or column, and inner index), so a renderer
// may tile it. The kernel's nodes stay the definition: a renderer that ignores `tiling` (gpu.js,
// WGSL) renders the per-element accumulation, and a tiled renderer must sum each output over the
// inner index in the same order, so both give the same bits.
import type { Affine } from './affine.js';
import { affineReader } from './affine.js';
import type { KNode } from './types.js';
import { allNodes, operands } from './types.js';

/** A load of a factor at element offset + Σ batch[t]·b_t + outer·(i or j) + inner·q. */
export interface TiledLoad {
  readonly load: number;
  readonly offset: number;
  readonly batch: readonly number[];
  readonly outer: number;
  readonly inner: number;
}

/**
 * One factor: `value` is a node of the accumulation body computed from `loads` (the prologue:
 * every other node between them is elementwise, or uniform over the kernel). A load or prologue
 * node that reads no k may sit outside the body (hoisted there), with inner stride 0.
 */
export interface TiledFactor {
  readonly value: number;
  readonly loads: readonly TiledLoad[];
}

/**
 * Element index ((b·m + i)·n + j), b the batch axes flattened, of a kernel whose top-level node
 * `accumulate` is Σ_{q<k} a(b, i, q)·b(b, q, j) from 0, in order. Top-level nodes that read it
 * (bias add, activation, an activation's gradient mask) are the epilogue, per element.
 */
export interface MatmulTiling {
  readonly accumulate: number;
  readonly batch: readonly number[];
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly a: TiledFactor;
  readonly b: TiledFactor;
}

/** Replaces the node ids in a tiling (kernels rebuilt by merging). */
export const remapTiling = (t: MatmulTiling, id: (old: number) => number): MatmulTiling => {
  const factor = (f: TiledFactor): TiledFactor => ({ value: id(f.value), loads: f.loads.map((l) => ({ ...l, load: id(l.load) })) });
  return { ...t, accumulate: id(t.accumulate), a: factor(t.a), b: factor(t.b) };
};

/**
 * The tiling of accumulation `accumulate` (a product of shape [...batch, m, n] with inner size k),
 * or undefined when its body is not a product of two factors read at affine positions.
 */
export const matmulTiling = (nodes: readonly KNode[], accumulate: number, batch: readonly number[], m: number, n: number, k: number): MatmulTiling | undefined => {
  const acc = nodes.find((x) => x.id === accumulate);
  if (!acc || acc.op !== 'accumulate' || acc.fn !== 'sum' || acc.type !== 'f32' || acc.start !== 0 || acc.count !== k) return undefined;
  const init = nodes.find((x) => x.id === acc.init);
  if (!init || init.op !== 'const' || !Object.is(init.value, 0)) return undefined;
  const all = allNodes(nodes);
  const byId = new Map(all.map((x) => [x.id, x]));
  const body = new Set(allNodes(acc.body).map((x) => x.id));
  const index = nodes.find((x) => x.op === 'index');
  const j = acc.body.find((x) => x.op === 'loopIndex' && x.loop === acc.id);
  const product = byId.get(acc.value);
  if (!product || product.op !== 'binary' || product.fn !== 'mul' || product.type !== 'f32') return undefined;
  // element index = Σ b_t·stride_t + i·n + j
  const ranges: Record<string, number> = { i: m, j: n, q: k };
  const terms: Record<string, number> = { i: n, j: 1 };
  let stride = m * n;
  for (let t = batch.length - 1; t >= 0; t--) {
    ranges[`b${t}`] = batch[t];
    terms[`b${t}`] = stride;
    stride *= batch[t];
  }
  const roots = new Map<number, Affine>();
  if (index) roots.set(index.id, { c: 0, terms });
  if (j) roots.set(j.id, { c: 0, terms: { q: 1 } });
  const affine = affineReader(all, roots, ranges);
  // a top-level node that does not depend on the element index is uniform over the kernel
  const dependsOnIndex = new Map<number, boolean>();
  const varies = (id: number): boolean => {
    if (!dependsOnIndex.has(id)) {
      const x = byId.get(id)!;
      dependsOnIndex.set(id, x.op === 'index' || x.op === 'loopIndex' || operands(x).some(varies) || (x.op === 'accumulate' && varies(x.value)));
    }
    return dependsOnIndex.get(id)!;
  };
  /** The loads of a factor's cone, or undefined if the cone reads the element or loop index other than through loads. */
  const factor = (value: number): { loads: { load: number; at: Affine }[] } | undefined => {
    const loads: { load: number; at: Affine }[] = [];
    const seen = new Set<number>();
    const walk = (id: number): boolean => {
      if (seen.has(id)) return true;
      seen.add(id);
      const x = byId.get(id)!;
      // uniform over the kernel: computed once, outside any tile
      if (!body.has(id) && !varies(id)) return true;
      // a load in the body, or one hoisted out of it because it reads no k (a bias per row, say)
      if (x.op === 'load') {
        const at = affine(x.index);
        if (!at) return false;
        loads.push({ load: id, at });
        return true;
      }
      if (x.op === 'index' || x.op === 'loopIndex' || x.op === 'accumulate') return false;
      return operands(x).every(walk);
    };
    return walk(value) ? { loads } : undefined;
  };
  const x = factor(product.a);
  const y = factor(product.b);
  if (!x || !y) return undefined;
  const uses = (f: { loads: { at: Affine }[] }, s: string) => f.loads.some((l) => (l.at.terms[s] ?? 0) !== 0);
  // a reads no column, b no row; the product commutes bit for bit, so either order is the definition
  const [fa, va, fb, vb] = !uses(x, 'j') && !uses(y, 'i') ? [x, product.a, y, product.b] : !uses(y, 'j') && !uses(x, 'i') ? [y, product.b, x, product.a] : [];
  if (!fa || !fb) return undefined;
  const tiled = (f: { loads: { load: number; at: Affine }[] }, outer: string): TiledLoad[] | undefined => {
    const out: TiledLoad[] = [];
    for (const l of f.loads) {
      const s = l.at.terms;
      const known = new Set([outer, 'q', ...batch.map((_, t) => `b${t}`)]);
      if (Object.keys(s).some((name) => !known.has(name)) || Object.values(s).some((c) => c < 0) || l.at.c < 0) return undefined;
      out.push({ load: l.load, offset: l.at.c, batch: batch.map((_, t) => s[`b${t}`] ?? 0), outer: s[outer] ?? 0, inner: s.q ?? 0 });
    }
    return out;
  };
  const la = tiled(fa, 'i');
  const lb = tiled(fb, 'j');
  if (!la || !lb) return undefined;
  return { accumulate, batch, m, n, k, a: { value: va!, loads: la }, b: { value: vb!, loads: lb } };
};
