// Plan kernels -> kernel IR: each plan kernel rebuilt from the graph (same buffers, same fusion
// decisions, same reduction splits), then neighbours over one index space merged (merge.ts).
import { sizeOf } from '../../dsl/shape.js';
import type { IR, IRNode } from '../ir.js';
import type { KernelTrace } from '../lower.js';
import type { Plan } from '../plan.js';
import { KernelBuilder } from './builder.js';
import { GraphLowering } from './from-graph.js';
import { finishKernel } from './finish.js';
import type { Kernel } from './types.js';
import { matmulTiling } from './tiling.js';

/** One plan kernel's computation as a single-output kernel. */
const single = (ir: IR, plan: Plan, k: number, trace: KernelTrace, bufferOfNode: ReadonlyMap<number, number>): Kernel => {
  const pk = plan.kernels[k];
  const b = new KernelBuilder();
  const n = ir.nodes[trace.node];
  // a kernel reads other nodes' buffers, never its own output
  const g = new GraphLowering(b, ir.nodes, (id) => (id === n.id ? undefined : bufferOfNode.get(id)));
  const value = (() => {
    switch (trace.role) {
      case 'fused':
        return g.value(n.id, { flat: b.index });
      case 'matmul':
        return matmul(g, n);
      case 'reduce':
        return reduce(g, n, trace.split);
      case 'combine':
        return combine(g, n, pk.args[0], trace.split!.chunks);
    }
  })();
  const stored = b.typeOf(value) === 'bool' ? b.cast('f32', value) : value;
  const tiling = trace.role === 'matmul' ? productTiling(b, ir, n, value) : undefined;
  return finishKernel(pk.name, plan.buffers[pk.output].size, b.nodes, [{ buffer: pk.output, value: stored }], g.fused.length ? g.fused : ['copy'], tiling);
};

/** The schedule renderers may tile a product with (undefined where its reads are not affine). */
const productTiling = (b: KernelBuilder, ir: IR, n: IRNode, accumulate: number) => {
  const shape = n.shape;
  const k = ir.nodes[n.inputs[0]].shape[ir.nodes[n.inputs[0]].shape.length - 1];
  return matmulTiling(b.nodes, accumulate, shape.slice(0, -2), shape[shape.length - 2], shape[shape.length - 1], k);
};

const matmul = (g: GraphLowering, n: IRNode): number => {
  const b = g.b;
  const aShape = g.nodes[n.inputs[0]].shape;
  const axes = g.axes({ flat: b.index }, n.shape);
  const batch = axes.slice(0, -2);
  const [i, j] = axes.slice(-2);
  g.fused.push('matmul');
  return b.accumulate('sum', b.constant('f32', 0), 0, aShape[aShape.length - 1], (q) =>
    g.scoped(() => b.binary('mul', g.value(n.inputs[0], { axes: [...batch, i, q] }), g.value(n.inputs[1], { axes: [...batch, q, j] }))));
};

/**
 * A reduction over its reduced elements in order; with a split, element x reduces chunk (x / outputs)
 * of output (x mod outputs) and the tail chunk clamps its reads (lower.ts's reduceBody).
 */
const reduce = (g: GraphLowering, n: IRNode, split: KernelTrace['split']): number => {
  const b = g.b;
  const op = n.op as Extract<IRNode['op'], { kind: 'reduce' }>;
  const src = g.nodes[n.inputs[0]].shape;
  const reducedDims = op.axes.map((a) => src[a]);
  const count = sizeOf(reducedDims);
  // chunk-major: four neighbouring elements are four outputs at one chunk, so reads along the outputs (a column
  // sum's neighbouring columns) stay neighbours for a vector load
  const outputs = sizeOf(n.shape);
  const o = split ? b.binary('rem', b.index, b.int(outputs)) : b.index;
  const first = split ? b.binary('mul', b.binary('div', b.index, b.int(outputs)), b.int(split.chunk)) : b.int(0);
  const trailing = op.axes.every((a, k) => a === src.length - op.axes.length + k);
  // the output's axes come from o outside the loop, so reads that broadcast along the reduced axes (a
  // row's max, say) index without dividing o·count + j and the builder hoists them out of the loop
  const outAxes = g.axes({ flat: o }, n.shape);
  const at = (r: number) => {
    const rAxes = g.axes({ flat: r }, reducedDims);
    if (trailing) return { flat: sizeOf(n.shape) === 1 ? r : b.binary('add', b.binary('mul', o, b.int(count)), r), axes: [...outAxes, ...rAxes] };
    let kept = 0;
    return { axes: src.map((_, k) => (op.axes.includes(k) ? rAxes[op.axes.indexOf(k)] : outAxes[kept++])) };
  };
  g.fused.push(`reduce:${op.fn}`);
  const init = op.fn === 'max' ? g.value(n.inputs[0], at(first)) : b.constant('f32', 0);
  return b.accumulate(op.fn, init, op.fn === 'max' ? 1 : 0, split ? split.chunk : count, (j) =>
    g.scoped(() => {
      if (!split) return g.value(n.inputs[0], at(j));
      const unclamped = b.binary('add', first, j);
      const v = g.value(n.inputs[0], at(b.binary('min', unclamped, b.int(count - 1))));
      // a clamped tail read repeats the last element: harmless for max, masked out of sums
      return op.fn === 'sum' ? b.select(b.binary('lt', unclamped, b.int(count)), v, b.constant('f32', 0)) : v;
    }));
};

/** The second stage of a split reduction: each output combines its chunks' results (chunk-major, [chunks, outputs]) in order. */
const combine = (g: GraphLowering, n: IRNode, partial: number, chunks: number): number => {
  const b = g.b;
  const fn = (n.op as Extract<IRNode['op'], { kind: 'reduce' }>).fn;
  const outputs = sizeOf(n.shape);
  g.fused.push(`combine:${fn}`);
  const init = fn === 'sum' ? b.constant('f32', 0) : b.load(partial, b.index);
  return b.accumulate(fn, init, fn === 'sum' ? 0 : 1, chunks, (j) => b.load(partial, b.binary('add', b.binary('mul', j, b.int(outputs)), b.index)));
};

export const singleKernels = (ir: IR, plan: Plan, traces: readonly KernelTrace[], bufferOfNode: ReadonlyMap<number, number>): Kernel[] =>
  plan.kernels.map((_, k) => single(ir, plan, k, traces[k], bufferOfNode));
