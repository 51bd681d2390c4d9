// A kernel whose top-level accumulations include long sums or maxima over a contiguous run of a
// buffer (a row sum, softmax's max and denominator, layer norm's moments) as workgroup tree
// reductions: one workgroup per output element; for each such accumulation invocation t folds the
// terms t, t + W, t + 2W, … in order, then the W partials combine pairwise in a fixed tree in
// workgroup memory and every invocation reads the root. The rest of the kernel runs in every
// invocation (short accumulations as loops), and invocation 0 stores. The order depends only on the
// row length, never on the device, so results are deterministic; a sum's order differs from the
// per-element loop's (wasm's), a max's value does not (max is exact).
import type { Kernel, KNode } from '../kernel-ir/types.js';
import type { Dispatch } from './grid.js';
import { MAX_WORKGROUPS_PER_DIMENSION, gridFor } from './grid.js';
import { wgslType } from './literal.js';
import type { ShaderWriter } from './writer.js';

type Accumulate = Extract<KNode, { op: 'accumulate' }>;

/** Reductions shorter than this stay one invocation per output (a workgroup would idle). */
export const MIN_TREE_LENGTH = 64;
/** At most this many trees per kernel (each takes W floats of workgroup memory; WebGPU promises 16 KiB). */
const MAX_TREES = 8;

/**
 * Invocations per workgroup for a reduction of `length` terms: a power of two in [32, 256] giving
 * each 128 terms or more where it can (32, one warp, for the ≤ 1024-term rows lowering leaves;
 * SwiftShader's cost grows with the workgroup: 4096 rows of 1024 take 6.5 s at 128, 1.6 s at 32).
 */
export const reductionWorkgroup = (length: number): number => {
  let w = 32;
  while (w < 256 && w * 256 <= length) w *= 2;
  return w;
};

/** Whether the body reads a buffer at (loop-invariant + loop counter): consecutive terms, consecutive addresses. */
const readsContiguously = (a: Accumulate): boolean => {
  const inBody = new Set(a.body.map((n) => n.id));
  const counter = a.body.find((n) => n.op === 'loopIndex' && n.loop === a.id)?.id;
  if (counter === undefined) return false;
  const byId = new Map(a.body.map((n) => [n.id, n]));
  return a.body.some((n) => {
    if (n.op !== 'load') return false;
    if (n.index === counter) return true;
    const i = byId.get(n.index);
    if (i?.op !== 'binary' || i.fn !== 'add') return false;
    return (i.a === counter && !inBody.has(i.b)) || (i.b === counter && !inBody.has(i.a));
  });
};

/** The kernel's top-level accumulations to render as trees (none: render it per element). */
export const treeReductions = (k: Kernel): Accumulate[] => {
  if (k.tiling || k.size === 0) return [];
  const trees = k.nodes.filter((n): n is Accumulate => n.op === 'accumulate' && n.type === 'f32' && n.count - n.start >= MIN_TREE_LENGTH && readsContiguously(n));
  return trees.length <= MAX_TREES ? trees : [];
};

/** The shader's entry point, or undefined when its grid would exceed the device's. */
export const renderTreeWgsl = (w: ShaderWriter, k: Kernel, trees: readonly Accumulate[], maxPerDimension = MAX_WORKGROUPS_PER_DIMENSION): { code: string[]; dispatch: Dispatch; workgroup: number } | undefined => {
  const dispatch = gridFor(k.size, maxPerDimension);
  if (!dispatch) return undefined;
  // one workgroup size for the kernel, from its longest tree
  const wg = reductionWorkgroup(Math.max(...trees.map((a) => a.count - a.start)));
  const treeIds = new Set(trees.map((a) => a.id));
  const decls: string[] = [];
  w.lines = [];
  w.replaced.clear();
  let rendered = 0;
  // top-level nodes in order: a tree's init and everything its body reads come before it
  for (const [at, n] of k.nodes.entries()) {
    if (!treeIds.has(n.id)) continue;
    const a = n as Accumulate;
    w.body(k.nodes.slice(rendered, at), 0);
    rendered = at + 1;
    const [acc, j, partial] = [w.v(a.id), `j${a.id}`, `partial${a.id}`];
    const combine = (x: string, y: string) => (a.fn === 'sum' ? `${x} + ${y}` : `max(${x}, ${y})`);
    decls.push(`var<workgroup> ${partial}: array<${wgslType(a.type)}, ${wg}>;`);
    // a sum's slice starts at +0; a max's at the init, which max may take any number of times
    w.lines.push(`  var ${acc}_slice: ${wgslType(a.type)} = ${a.fn === 'sum' ? '0.0' : w.v(a.init)};`);
    w.lines.push(`  for (var ${j}: i32 = ${a.start} + i32(lid); ${j} < ${a.count}; ${j} += ${wg}) {`);
    w.body(a.body, 1);
    w.lines.push(`    ${acc}_slice = ${combine(`${acc}_slice`, w.v(a.value))};`);
    w.lines.push(
      `  }`,
      `  ${partial}[lid] = ${acc}_slice;`,
      `  workgroupBarrier();`,
      `  for (var half = ${wg / 2}u; half > 0u; half = half >> 1u) {`,
      `    if (lid < half) { ${partial}[lid] = ${combine(`${partial}[lid]`, `${partial}[lid + half]`)}; }`,
      `    workgroupBarrier();`,
      `  }`,
      `  let ${acc}: ${wgslType(a.type)} = ${combine(w.v(a.init), `${partial}[0]`)};`,
    );
  }
  w.body(k.nodes.slice(rendered), 0);
  const code = [
    ...decls,
    `@compute @workgroup_size(${wg})`,
    `fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {`,
    // workgroup_id is uniform in a workgroup: the whole group returns together, before any barrier
    `  let index = wg.y * ${dispatch.x}u + wg.x;`,
    `  if (index >= ${k.size}u) { return; }`,
    ...w.lines,
    `  if (lid == 0u) {`,
    ...k.stores.map((s) => `    ${w.buffer(s.buffer)}[index] = ${w.v(s.value)};`),
    `  }`,
    `}`,
  ];
  return { code, dispatch, workgroup: wg };
};
