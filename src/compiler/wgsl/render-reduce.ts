// A kernel whose one top-level accumulation is a long sum or max over a contiguous run of a buffer
// (a row sum, softmax's max and denominator, layer norm's moments) as a workgroup tree reduction:
// one workgroup per output element; invocation t folds the terms t, t + W, t + 2W, … in order, then
// the W partials combine pairwise in a fixed tree in workgroup memory, and invocation 0 runs the
// rest of the kernel (the epilogue and stores). The order depends only on the row length, never on
// the device, so results are deterministic; a sum's order differs from the per-element loop's
// (wasm's), a max's value does not (max is exact).
import type { Kernel, KNode } from '../kernel-ir/types.js';
import type { Dispatch } from './grid.js';
import { MAX_WORKGROUPS_PER_DIMENSION, gridFor } from './grid.js';
import { wgslType } from './literal.js';
import type { ShaderWriter } from './writer.js';

type Accumulate = Extract<KNode, { op: 'accumulate' }>;

/** Reductions shorter than this stay one invocation per output (a workgroup would idle). */
export const MIN_TREE_LENGTH = 64;

/** Invocations per workgroup for a reduction of `length` terms: a power of two in [32, 256], about length / 4. */
export const reductionWorkgroup = (length: number): number => {
  let w = 32;
  while (w < 256 && w * 8 <= length) w *= 2;
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

/** The kernel's accumulation to render as a tree, or undefined when it should run per element. */
export const treeReduction = (k: Kernel): Accumulate | undefined => {
  const accs = k.nodes.filter((n): n is Accumulate => n.op === 'accumulate');
  if (accs.length !== 1 || k.tiling || k.size === 0) return undefined;
  const a = accs[0];
  if (a.type !== 'f32' || a.count - a.start < MIN_TREE_LENGTH) return undefined;
  return readsContiguously(a) ? a : undefined;
};

/** The shader's entry point, or undefined when its grid would exceed the device's. */
export const renderTreeWgsl = (w: ShaderWriter, k: Kernel, a: Accumulate, maxPerDimension = MAX_WORKGROUPS_PER_DIMENSION): { code: string[]; dispatch: Dispatch; workgroup: number } | undefined => {
  const dispatch = gridFor(k.size, maxPerDimension);
  if (!dispatch) return undefined;
  const wg = reductionWorkgroup(a.count - a.start);
  const at = k.nodes.indexOf(a);
  const acc = w.v(a.id);
  const j = `j${a.id}`;
  const combine = (x: string, y: string) => (a.fn === 'sum' ? `${x} + ${y}` : `max(${x}, ${y})`);
  w.lines = [];
  w.replaced.clear();
  // the nodes before the accumulation: every invocation needs them (the body reads them)
  w.body(k.nodes.slice(0, at), 0);
  const prologue = w.lines;
  w.lines = [];
  w.body(a.body, 1);
  const body = w.lines;
  // invocation 0 alone: the accumulation's value is the init combined with the tree's root
  w.lines = [];
  w.replaced.set(a.id, combine(w.v(a.init), 'partial[0]'));
  w.body(k.nodes.slice(at), 1);
  const epilogue = w.lines;
  const code = [
    `var<workgroup> partial: array<${wgslType(a.type)}, ${wg}>;`,
    `@compute @workgroup_size(${wg})`,
    `fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {`,
    // workgroup_id is uniform in a workgroup: the whole group returns together, before any barrier
    `  let index = wg.y * ${dispatch.x}u + wg.x;`,
    `  if (index >= ${k.size}u) { return; }`,
    ...prologue,
    // a sum's slice starts at +0; a max's at the init, which max may take any number of times
    `  var ${acc}: ${wgslType(a.type)} = ${a.fn === 'sum' ? '0.0' : w.v(a.init)};`,
    `  for (var ${j}: i32 = ${a.start} + i32(lid); ${j} < ${a.count}; ${j} += ${wg}) {`,
    ...body,
    `    ${acc} = ${combine(acc, w.v(a.value))};`,
    `  }`,
    `  partial[lid] = ${acc};`,
    `  workgroupBarrier();`,
    `  for (var half = ${wg / 2}u; half > 0u; half = half >> 1u) {`,
    `    if (lid < half) { partial[lid] = ${combine('partial[lid]', 'partial[lid + half]')}; }`,
    `    workgroupBarrier();`,
    `  }`,
    `  if (lid == 0u) {`,
    ...epilogue,
    ...k.stores.map((s) => `    ${w.buffer(s.buffer)}[index] = ${w.v(s.value)};`),
    `  }`,
    `}`,
  ];
  return { code, dispatch, workgroup: wg };
};
