// IR -> plan. Materialized: inputs, non-scalar constants, outputs, reductions and matmuls.
// Everything else fuses into the kernels that read it, so a maximal elementwise group is one kernel.
import { MAX_EXACT_INTEGER, sizeOf } from '../dsl/shape.js';
import type { InputSpec } from '../dsl/program.js';
import type { IR, IRNode } from './ir.js';
import type { Plan, PlanBuffer, PlanKernel } from './plan.js';
import type { Index } from './kernel-writer.js';
import { KernelWriter, Scope, f32 } from './kernel-writer.js';
import { lit } from './literal.js';
import { pruneDeadConsts } from './prune.js';
import { inlineCost, sharedExpensive } from './shared-work.js';
import { unstridedViews, valueOf } from './matmul-views.js';

const BYTES = 4;

const materialized = (n: IRNode, outputs: ReadonlySet<number>, hoisted: ReadonlySet<number>): boolean =>
  n.op.kind === 'input' ||
  (n.op.kind === 'constant' && n.op.values.length > 1) ||
  n.op.kind === 'reduce' ||
  n.op.kind === 'matmul' ||
  outputs.has(n.id) ||
  hoisted.has(n.id);

const MOVEMENT = new Set(['broadcast', 'reshape', 'slice', 'transpose']);

/** How often a matmul recomputes each element of an inline operand: once per output column (A) or row (B). */
const RECOMPUTE_LIMIT = 16;

/**
 * Elementwise producers fuse into a matmul unless that recomputes real work many times over (an
 * activation's mask read once per output column, say): then the operand gets a buffer of its own.
 */
const matmulOperands = (ir: IR, isMaterialized: (id: number) => boolean): Set<number> => {
  const out = new Set<number>();
  const memo = new Map<number, number>();
  for (const n of ir.nodes) {
    if (n.op.kind !== 'matmul') continue;
    const [m, k] = ir.nodes[n.inputs[0]].shape.slice(-2);
    const cols = n.shape[n.shape.length - 1];
    n.inputs.forEach((i, side) => {
      // the value under the batch broadcast and reshapes (a linear layer's [B·S, H] view) gets the
      // buffer, so its other readers (a residual, a layer norm's backward) share it
      const operand = ir.nodes[valueOf(ir, i)];
      const recomputed = side === 0 ? cols : m;
      if (k > 1 && recomputed >= RECOMPUTE_LIMIT && inlineCost(ir, operand, isMaterialized, memo) >= 2) out.add(operand.id);
    });
  }
  return out;
};

/**
 * Scalars computed from inputs (a bias correction 1 − b1^t, say) and read by a kernel over many
 * elements get a one-thread kernel of their own, so every thread reads one value instead of
 * recomputing them (loop-invariant hoisting).
 */
const hoistedScalars = (ir: IR): Set<number> => {
  const bigReaders = new Set<number>();
  for (const n of ir.nodes) if (sizeOf(n.shape) > 1) n.inputs.forEach((i) => bigReaders.add(i));
  const computes = (n: IRNode): boolean => n.op.kind !== 'input' && n.op.kind !== 'constant' && !(MOVEMENT.has(n.op.kind) && !computes(ir.nodes[n.inputs[0]]));
  // a broadcast of a scalar is how big kernels read it: look through it
  const scalarOf = (n: IRNode): IRNode => (n.op.kind === 'broadcast' || n.op.kind === 'reshape' ? scalarOf(ir.nodes[n.inputs[0]]) : n);
  const out = new Set<number>();
  for (const id of bigReaders) {
    const n = scalarOf(ir.nodes[id]);
    if (sizeOf(n.shape) === 1 && computes(n)) out.add(n.id);
  }
  return out;
};

/**
 * The fused tensors past `MAX_EXACT_INTEGER` elements (gpu.js's limit, the smallest backend's; runtime/tensor-limits.ts) that no buffer stands for: nodes fused into one another
 * count as one (named by its first largest node that computes), and one next to a buffer at least as large is that buffer's.
 */
const unbufferedTensors = (ir: IR, buffered: ReadonlyMap<number, number>): Pick<Plan, 'unbuffered'> => {
  const big = new Set(ir.nodes.filter((n) => !buffered.has(n.id) && sizeOf(n.shape) > MAX_EXACT_INTEGER).map((n) => n.id));
  // union-find over the edges between big fused nodes
  const parent = new Map([...big].map((id) => [id, id]));
  const find = (id: number): number => {
    let root = id;
    while (parent.get(root) !== root) root = parent.get(root)!;
    return root;
  };
  const nextToBuffer = new Map<number, number>();
  const touch = (id: number, other: number) => {
    if (buffered.has(other)) nextToBuffer.set(id, Math.max(nextToBuffer.get(id) ?? 0, sizeOf(ir.nodes[other].shape)));
  };
  for (const n of ir.nodes)
    for (const i of n.inputs) {
      if (big.has(n.id) && big.has(i)) parent.set(find(n.id), find(i));
      if (big.has(n.id)) touch(n.id, i);
      if (big.has(i)) touch(i, n.id);
    }
  const groups = new Map<number, IRNode[]>();
  for (const id of big) {
    const root = find(id);
    groups.set(root, [...(groups.get(root) ?? []), ir.nodes[id]]);
  }
  const tensors = [...groups.values()].flatMap((nodes) => {
    const elements = Math.max(...nodes.map((n) => sizeOf(n.shape)));
    if (nodes.some((n) => (nextToBuffer.get(n.id) ?? 0) >= elements)) return [];
    const largest = nodes.filter((n) => sizeOf(n.shape) === elements);
    const n = largest.find((x) => !MOVEMENT.has(x.op.kind)) ?? largest[0];
    return [{ op: 'fn' in n.op ? n.op.fn : n.op.kind, shape: n.shape, elements }];
  });
  return tensors.length ? { unbuffered: tensors } : {};
};

/**
 * A long reduction runs in two stages: √count chunks in parallel, then their results. Besides
 * parallelism for few outputs, it bounds f32 error by ~2√count additions per output, not count.
 */
export interface ReduceSplit {
  readonly chunks: number;
  readonly chunk: number;
}

export const reduceSplit = (count: number, outputs: number): ReduceSplit | undefined => {
  if (count <= 1024) return undefined;
  const chunk = Math.ceil(Math.sqrt(count));
  return { chunk, chunks: Math.ceil(count / chunk) };
};

/**
 * Source of the loop over a reduction's reduced elements, accumulating into `acc`. With a split,
 * thread x reduces chunk (x / outputs) of output (x mod outputs), chunk-major so neighbouring threads read
 * neighbouring outputs; the tail chunk clamps its reads.
 */
const reduceBody = (w: KernelWriter, root: Scope, n: IRNode, split?: ReduceSplit): string => {
  const op = n.op as Extract<IRNode['op'], { kind: 'reduce' }>;
  const src = w.nodes[n.inputs[0]].shape;
  const reducedDims = op.axes.map((a) => src[a]);
  const count = sizeOf(reducedDims);
  const outputs = sizeOf(n.shape);
  const c = split ? w.bind(root, `Math.floor(x / ${lit(outputs)})`, 'c') : '0.0';
  const o = split ? w.bind(root, `x - ${c} * ${lit(outputs)}`, 'o') : 'x';
  const trailing = op.axes.every((a, k) => a === src.length - op.axes.length + k);
  const outAxes = trailing ? [] : w.axes(root, { flat: o }, n.shape);
  const at = (scope: Scope, r: string): Index => {
    if (trailing) return { flat: sizeOf(n.shape) === 1 ? r : w.bind(scope, `${o} * ${lit(count)} + ${r}`, 'f') };
    const rAxes = w.axes(scope, { flat: r }, reducedDims);
    let kept = 0;
    return { axes: src.map((_, k) => (op.axes.includes(k) ? rAxes[op.axes.indexOf(k)] : outAxes[kept++])) };
  };
  const first = split ? w.bind(root, `${c} * ${lit(split.chunk)}`, 'r') : '0.0';
  if (op.fn === 'max') root.lines.push(`let acc = ${w.value(root, n.inputs[0], at(root, first))};`);
  else root.lines.push('let acc = 0.0;');
  const body = new Scope(root);
  const r = split ? w.bind(body, `Math.min(${first} + j, ${lit(count - 1)})`, 'r') : 'j';
  const v = w.value(body, n.inputs[0], at(body, r));
  // a clamped tail read repeats the last element: harmless for max, masked out of sums
  const term = split && op.fn === 'sum' ? `(${first} + j < ${lit(count)} ? ${v} : 0.0)` : v;
  const update = op.fn === 'sum' ? `acc = ${f32(`acc + ${term}`)};` : `acc = Math.max(acc, ${term});`;
  const bound = split ? split.chunk : count;
  root.lines.push(`for (let j = ${op.fn === 'max' ? 1 : 0}; j < ${bound}; j++) {`, ...body.lines.map((l) => `  ${l}`), `  ${update}`, '}');
  w.fused.push(`reduce:${op.fn}`);
  return 'acc';
};

/** The second stage of a split reduction: combine each output's chunk results ([chunks, outputs]) in order. */
const combineSource = (fn: 'sum' | 'max', buffer: number, chunks: number, outputs: number): string =>
  [
    `function(b${buffer}) {`,
    '  const x = this.thread.x;',
    `  let acc = ${fn === 'sum' ? '0.0' : `b${buffer}[x]`};`,
    `  for (let j = ${fn === 'sum' ? 0 : 1}; j < ${chunks}; j++) {`,
    `    const v = b${buffer}[j * ${lit(outputs)} + x];`,
    `    acc = ${fn === 'sum' ? f32('acc + v') : 'Math.max(acc, v)'};`,
    '  }',
    '  return acc;',
    '}',
  ].join('\n');

/** Inner-product terms per loop iteration: fewer loop tests and index updates per multiply-add. */
const UNROLL = 4;

/**
 * Source of a matmul's inner product over k, with fused producers inlined into both reads. On a grid
 * the output column is thread.x and the row (batch axes, then i) thread.y; otherwise both come from
 * the flat thread.x.
 */
const matmulBody = (w: KernelWriter, root: Scope, n: IRNode, grid: boolean): string => {
  const aShape = w.nodes[n.inputs[0]].shape;
  const k = aShape[aShape.length - 1];
  const axes = grid ? [...w.axes(root, { flat: 'y' }, n.shape.slice(0, -1)), 'x'] : w.axes(root, { flat: 'x' }, n.shape);
  const batch = axes.slice(0, -2);
  const [i, j] = axes.slice(-2);
  root.lines.push('let acc = 0.0;');
  const loop = (from: number, to: number, step: number) => {
    const body = new Scope(root);
    const terms = Array.from({ length: step }, (_, u) => {
      const q = u === 0 ? 'q' : w.bind(body, `q + ${lit(u)}`, 'q');
      const recorded = w.fused.length;
      const term = f32(`${w.value(body, n.inputs[0], { axes: [...batch, i, q] })} * ${w.value(body, n.inputs[1], { axes: [...batch, q, j] })}`);
      // the fused-op list names each op once, not once per unrolled copy or tail loop
      if (u > 0 || from > 0) w.fused.length = recorded;
      return term;
    });
    const inc = step === 1 ? 'q++' : `q += ${step}`;
    // the unrolled terms add left to right, then into acc, each addition rounded to f32
    const sum = terms.slice(1).reduce((s, t) => f32(`${s} + ${t}`), terms[0]);
    root.lines.push(`for (let q = ${from}; q < ${to}; ${inc}) {`, ...body.lines.map((l) => `  ${l}`), `  acc = ${f32(`acc + ${sum}`)};`, '}');
  };
  const whole = k - (k % UNROLL);
  if (whole > 0) loop(0, whole, UNROLL);
  if (whole < k) loop(whole, k, 1);
  w.fused.push('matmul');
  return 'acc';
};

/** What each plan kernel computes, for lowerings that rebuild kernels from the graph (kernel-ir/). */
export interface KernelTrace {
  readonly node: number;
  readonly role: 'fused' | 'reduce' | 'matmul' | 'combine';
  readonly split?: ReduceSplit;
}

export interface Lowered {
  readonly plan: Plan;
  /** One per plan kernel, in the same order. */
  readonly traces: readonly KernelTrace[];
  readonly bufferOfNode: ReadonlyMap<number, number>;
}

export const lower = (ir: IR, declared: readonly InputSpec[]): Plan => lowerTraced(ir, declared).plan;

export const lowerTraced = (ir: IR, declared: readonly InputSpec[]): Lowered => {
  const traces: KernelTrace[] = [];
  const outputs = new Set(Object.values(ir.outputs));
  const scalars = hoistedScalars(ir);
  const operands = matmulOperands(ir, (id) => materialized(ir.nodes[id], outputs, scalars));
  const base = new Set([...scalars, ...operands]);
  const shared = new Set([...base, ...sharedExpensive(ir, (id) => materialized(ir.nodes[id], outputs, base))]);
  const hoisted = new Set([...shared, ...unstridedViews(ir, (id) => materialized(ir.nodes[id], outputs, shared))]);
  const buffers: PlanBuffer[] = [];
  const bufferOfNode = new Map<number, number>();
  for (const n of ir.nodes) {
    if (!materialized(n, outputs, hoisted)) continue;
    const id = buffers.length;
    // an array constant that is also an output stays a constant (the runtime hands back a copy);
    // a scalar filling a shape is computed by a kernel
    const arrayConstant = n.op.kind === 'constant' && n.op.values.length > 1;
    const kind = n.op.kind === 'input' ? 'input' : arrayConstant ? 'constant' : outputs.has(n.id) ? 'output' : 'intermediate';
    buffers.push({
      id,
      kind,
      shape: n.shape,
      dtype: n.dtype,
      size: sizeOf(n.shape),
      ...(n.op.kind === 'input' ? { name: n.op.name } : {}),
      ...(kind === 'constant' && n.op.kind === 'constant' ? { values: n.op.values } : {}),
    });
    bufferOfNode.set(n.id, id);
  }
  const kernels: PlanKernel[] = [];
  const bytes = (ids: readonly number[]) => ids.reduce((sum, b) => sum + buffers[b].size * BYTES, 0);
  /** A kernel's source: its parameters are the buffers its lines read, in first-use order. */
  const kernelSource = (w: KernelWriter, root: Scope, result: string, thread: readonly string[]) => {
    const lines = pruneDeadConsts(root.lines, result);
    const params = [...w.params.entries()].filter(([, p]) => lines.some((l) => l.includes(`${p}[`)) || result.includes(`${p}[`));
    const uses = (v: string) => lines.some((l) => new RegExp(`\\b${v}\\b`).test(l)) || new RegExp(`\\b${v}\\b`).test(result);
    const text = [
      `function(${params.map(([, p]) => p).join(', ')}) {`,
      ...thread.filter(uses).map((v) => `  const ${v} = this.thread.${v};`),
      ...lines.map((l) => `  ${l}`),
      `  return ${result};`,
      '}',
    ].join('\n');
    return { text, args: params.map(([b]) => b) };
  };
  const emit = (kind: string, w: KernelWriter, root: Scope, result: string, out: number, gridFor?: (args: readonly number[]) => PlanKernel['grid']) => {
    const { text, args } = kernelSource(w, root, result, ['x']);
    const grid = gridFor?.(args);
    kernels.push({
      name: `k${kernels.length}_${kind}`,
      source: text,
      args,
      output: out,
      fused: w.fused.length ? w.fused : ['copy'],
      bytesRead: bytes(args),
      bytesWritten: bytes([out]),
      ...(grid ? { grid } : {}),
    });
  };
  /** The grid form of a matmul kernel (its result always has rank >= 2). */
  const matmulGrid = (n: IRNode, writer: () => KernelWriter, args: readonly number[]): PlanKernel['grid'] => {
    const w = writer();
    const root = new Scope();
    const { text, args: gridArgs } = kernelSource(w, root, matmulBody(w, root, n, true), ['x', 'y']);
    // both forms read the same buffers (same walk), so one argument list serves them
    if (gridArgs.join() !== args.join()) throw new Error(`internal: matmul ${n.id} grid form reads [${gridArgs}] not [${args}]`);
    return { cols: n.shape[n.shape.length - 1], rows: sizeOf(n.shape.slice(0, -1)), source: text };
  };
  for (const n of ir.nodes) {
    const out = bufferOfNode.get(n.id);
    if (out === undefined || buffers[out].kind === 'input' || buffers[out].kind === 'constant') continue;
    // a kernel reads other nodes' buffers, never its own output
    const writer = () => new KernelWriter(ir.nodes, (id) => (id === n.id ? undefined : bufferOfNode.get(id)));
    const w = writer();
    const root = new Scope();
    if (n.op.kind === 'reduce') {
      const src = ir.nodes[n.inputs[0]].shape;
      const split = reduceSplit(sizeOf(n.op.axes.map((a) => src[a])), sizeOf(n.shape));
      if (!split) {
        traces.push({ node: n.id, role: 'reduce' });
        emit('reduce', w, root, reduceBody(w, root, n), out);
        continue;
      }
      const partial = buffers.length;
      buffers.push({ id: partial, kind: 'intermediate', shape: [split.chunks, sizeOf(n.shape)], dtype: n.dtype, size: sizeOf(n.shape) * split.chunks });
      traces.push({ node: n.id, role: 'reduce', split }, { node: n.id, role: 'combine', split });
      emit('reduce', w, root, reduceBody(w, root, n, split), partial);
      const source = combineSource(n.op.fn, partial, split.chunks, sizeOf(n.shape));
      kernels.push({ name: `k${kernels.length}_combine`, source, args: [partial], output: out, fused: [`combine:${n.op.fn}`], bytesRead: bytes([partial]), bytesWritten: bytes([out]) });
      continue;
    }
    traces.push({ node: n.id, role: n.op.kind === 'matmul' ? 'matmul' : 'fused' });
    if (n.op.kind === 'matmul') emit('matmul', w, root, matmulBody(w, root, n, false), out, (args) => matmulGrid(n, writer, args));
    else emit('fused', w, root, w.value(root, n.id, { flat: 'x' }), out);
  }
  const inputs = Object.fromEntries(buffers.filter((b) => b.kind === 'input').map((b) => [b.name!, b.id]));
  const outs = Object.fromEntries(Object.entries(ir.outputs).map(([name, id]) => [name, bufferOfNode.get(id)!]));
  const plan: Plan = {
    version: 1,
    buffers,
    kernels,
    inputs,
    outputs: outs,
    needs: {
      loops: ir.nodes.some((n) => n.op.kind === 'reduce' || n.op.kind === 'matmul'),
      random: ir.nodes.some((n) => n.op.kind === 'random'),
    },
    inputSpecs: declared,
    ...unbufferedTensors(ir, bufferOfNode),
    stats: { nodes: ir.nodes.length, merged: ir.merged, unusedInputs: declared.filter((s) => !(s.name in inputs)).map((s) => s.name) },
  };
  return { plan, traces, bufferOfNode };
};

