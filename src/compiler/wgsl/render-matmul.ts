// A kernel with a matmul tiling (kernel-ir/tiling.ts) as a workgroup-tiled WGSL shader: a workgroup
// of 8×8 invocations computes a 32×32 tile of one batch entry, each invocation a 4×4 register tile.
// k runs in chunks of 16: the workgroup loads both factors' chunk (their prologue computed once per
// loaded value) into workgroup memory, then every invocation adds a·b in index order from +0, as the
// per-element accumulation does, so the bits are the same on a device that does not contract to FMA.
// The kernel's other top-level nodes (bias, activation, other stores) run per element afterwards.
import type { Kernel, KNode } from '../kernel-ir/types.js';
import { allNodes, operands } from '../kernel-ir/types.js';
import type { MatmulTiling, TiledFactor } from '../kernel-ir/tiling.js';
import type { Dispatch } from './grid.js';
import { MAX_WORKGROUPS_PER_DIMENSION } from './grid.js';
import type { ShaderWriter } from './writer.js';

/** Output rows and columns per workgroup, k steps per chunk, and the register tile of an invocation. */
export const TILE = { rows: 32, cols: 32, depth: 16, per: 4 } as const;
const THREADS = (TILE.rows / TILE.per) * (TILE.cols / TILE.per);

/** The nodes a factor's value is computed from (its loads read by address, so their index nodes are not). */
const coneOf = (k: Kernel, t: MatmulTiling, f: TiledFactor): KNode[] => {
  const byId = new Map(allNodes(k.nodes).map((n) => [n.id, n]));
  const loads = new Set(f.loads.map((l) => l.load));
  const cone = new Set<number>();
  const visit = (id: number): void => {
    if (cone.has(id)) return;
    cone.add(id);
    const n = byId.get(id)!;
    if (loads.has(id)) return;
    operands(n).forEach(visit);
    // a uniform accumulation renders whole: what its body reads from outside is needed too
    if (n.op === 'accumulate') allNodes(n.body).forEach((b) => operands(b).forEach(visit));
  };
  visit(f.value);
  const acc = k.nodes.findIndex((n) => n.id === t.accumulate);
  const body = (k.nodes[acc] as Extract<KNode, { op: 'accumulate' }>).body;
  return [...k.nodes.slice(0, acc), ...body].filter((n) => cone.has(n.id));
};

/** `fn name(bf: u32, r: i32, q: i32) -> f32`: the factor at batch entry bf, row (or column) r, inner index q. */
const factorFunction = (w: ShaderWriter, k: Kernel, t: MatmulTiling, f: TiledFactor, name: string): string[] => {
  const batchTerm = (coef: readonly number[]): string => {
    let stride = 1;
    const terms: string[] = [];
    for (let d = t.batch.length - 1; d >= 0; d--) {
      if (coef[d] !== 0) terms.push(`${coef[d]} * i32((bf / ${stride}u) % ${t.batch[d]}u)`);
      stride *= t.batch[d];
    }
    return terms.map((x) => ` + ${x}`).join('');
  };
  w.lines = [];
  w.replaced.clear();
  for (const l of f.loads) {
    const load = allNodes(k.nodes).find((n) => n.id === l.load) as Extract<KNode, { op: 'load' }>;
    w.replaced.set(l.load, w.read(load.buffer, `${l.offset}${batchTerm(l.batch)} + ${l.outer} * r + ${l.inner} * q`));
  }
  w.body(coneOf(k, t, f), 0);
  return [`fn ${name}(bf: u32, r: i32, q: i32) -> f32 {`, ...w.lines, `  return ${w.v(f.value)};`, `}`];
};

/** The shader's functions and entry point, or undefined when its grid would exceed the device's. */
export const renderTiledWgsl = (w: ShaderWriter, k: Kernel, t: MatmulTiling, maxPerDimension = MAX_WORKGROUPS_PER_DIMENSION): { code: string[]; dispatch: Dispatch } | undefined => {
  const batches = t.batch.reduce((a, b) => a * b, 1);
  const dispatch = { x: Math.ceil(t.n / TILE.cols), y: Math.ceil(t.m / TILE.rows), z: batches };
  if (Math.max(dispatch.x, dispatch.y, dispatch.z) > maxPerDimension) return undefined;
  const fa = factorFunction(w, k, t, t.a, 'factor_a');
  const fb = factorFunction(w, k, t, t.b, 'factor_b');
  // the epilogue: every top-level node per element, the product being this invocation's sum
  w.lines = [];
  w.replaced.clear();
  w.replaced.set(t.accumulate, 'acc');
  w.body(k.nodes, 0);
  const epilogue = [`fn epilogue(index: u32, acc: f32) {`, ...w.lines, ...k.stores.map((s) => `  ${w.buffer(s.buffer)}[index] = ${w.v(s.value)};`), `}`];
  const { rows, cols, depth, per } = TILE;
  const across = cols / per;
  // the register tile as named scalars, unrolled (a compiler may keep an indexed array in memory)
  const ps = Array.from({ length: per }, (_, x) => x);
  // zero-initialised: every sum starts at +0, as the per-element loop's does
  const sumsDecl = ps.map((r) => `  ${ps.map((c) => `var s${r}_${c}: f32;`).join(' ')}`).join('\n');
  const inner = [
    ...ps.map((r) => `      let a${r} = tile_a[(tr + ${r}u) * ${depth}u + q];`),
    ...ps.map((c) => `      let b${c} = tile_b[q * ${cols}u + tc + ${c}u];`),
    ...ps.flatMap((r) => ps.map((c) => `      s${r}_${c} = s${r}_${c} + a${r} * b${c};`)),
  ].join('\n');
  const stores = ps.flatMap((r) => ps.map((c) => `  if (row0 + tr + ${r}u < ${t.m}u && col0 + tc + ${c}u < ${t.n}u) { epilogue((bf * ${t.m}u + row0 + tr + ${r}u) * ${t.n}u + col0 + tc + ${c}u, s${r}_${c}); }`)).join('\n');
  const main = `var<workgroup> tile_a: array<f32, ${rows * depth}>;
var<workgroup> tile_b: array<f32, ${depth * cols}>;
@compute @workgroup_size(${THREADS})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let bf = wg.z;
  let row0 = wg.y * ${rows}u;
  let col0 = wg.x * ${cols}u;
  let tr = (lid / ${across}u) * ${per}u;
  let tc = (lid % ${across}u) * ${per}u;
${sumsDecl}
  for (var q0 = 0u; q0 < ${t.k}u; q0 += ${depth}u) {
    for (var e = lid; e < ${rows * depth}u; e += ${THREADS}u) {
      let i = row0 + e / ${depth}u;
      let q = q0 + e % ${depth}u;
      var v = 0.0;
      if (i < ${t.m}u && q < ${t.k}u) { v = factor_a(bf, i32(i), i32(q)); }
      tile_a[e] = v;
    }
    for (var e = lid; e < ${depth * cols}u; e += ${THREADS}u) {
      let j = col0 + e % ${cols}u;
      let q = q0 + e / ${cols}u;
      var v = 0.0;
      if (j < ${t.n}u && q < ${t.k}u) { v = factor_b(bf, i32(j), i32(q)); }
      tile_b[e] = v;
    }
    workgroupBarrier();
    // the last chunk stops at k: the sum has exactly the per-element loop's k terms
    let steps = min(${depth}u, ${t.k}u - q0);
    for (var q = 0u; q < steps; q++) {
${inner}
    }
    workgroupBarrier();
  }
${stores}
}`;
  return { code: [...fa, ...fb, ...epilogue, main], dispatch };
};
