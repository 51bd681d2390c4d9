// IR -> plan. Materialized: inputs, non-scalar constants, outputs, reductions and matmuls.
// Everything else fuses into the kernels that read it, so a maximal elementwise group is one kernel.
import { sizeOf } from '../dsl/shape.js';
import type { InputSpec } from '../dsl/program.js';
import type { IR, IRNode } from './ir.js';
import type { Plan, PlanBuffer, PlanKernel } from './plan.js';
import type { Index } from './kernel-writer.js';
import { KernelWriter, Scope } from './kernel-writer.js';
import { lit } from './literal.js';
import { pruneDeadConsts } from './prune.js';

const BYTES = 4;

const materialized = (n: IRNode, outputs: ReadonlySet<number>): boolean =>
  n.op.kind === 'input' ||
  (n.op.kind === 'constant' && n.op.values.length > 1) ||
  n.op.kind === 'reduce' ||
  n.op.kind === 'matmul' ||
  outputs.has(n.id);

/** Source of the loop over a reduction's reduced elements, accumulating into `acc`. */
const reduceBody = (w: KernelWriter, root: Scope, n: IRNode): string => {
  const op = n.op as Extract<IRNode['op'], { kind: 'reduce' }>;
  const src = w.nodes[n.inputs[0]].shape;
  const reducedDims = op.axes.map((a) => src[a]);
  const count = sizeOf(reducedDims);
  const trailing = op.axes.every((a, k) => a === src.length - op.axes.length + k);
  const outAxes = trailing ? [] : w.axes(root, { flat: 'x' }, n.shape);
  const at = (scope: Scope, r: string): Index => {
    if (trailing) return { flat: sizeOf(n.shape) === 1 ? r : w.bind(scope, `x * ${lit(count)} + ${r}`, 'f') };
    const rAxes = w.axes(scope, { flat: r }, reducedDims);
    let kept = 0;
    return { axes: src.map((_, k) => (op.axes.includes(k) ? rAxes[op.axes.indexOf(k)] : outAxes[kept++])) };
  };
  if (op.fn === 'max') {
    const first = w.value(root, n.inputs[0], at(root, '0.0'));
    root.lines.push(`let acc = ${first};`);
  } else {
    root.lines.push('let acc = 0.0;');
  }
  const body = new Scope(root);
  const v = w.value(body, n.inputs[0], at(body, 'r'));
  const update = op.fn === 'sum' ? `acc += ${v};` : `acc = Math.max(acc, ${v});`;
  root.lines.push(`for (let r = ${op.fn === 'max' ? 1 : 0}; r < ${count}; r++) {`, ...body.lines.map((l) => `  ${l}`), `  ${update}`, '}');
  w.fused.push(`reduce:${op.fn}`);
  return 'acc';
};

/** Source of a matmul's inner product over k, with fused producers inlined into both reads. */
const matmulBody = (w: KernelWriter, root: Scope, n: IRNode): string => {
  const [aShape, bShape] = n.inputs.map((i) => w.nodes[i].shape);
  const k = aShape[aShape.length - 1];
  const axes = w.axes(root, { flat: 'x' }, n.shape);
  const batch = axes.slice(0, -2);
  const [i, j] = axes.slice(-2);
  root.lines.push('let acc = 0.0;');
  const body = new Scope(root);
  const a = w.value(body, n.inputs[0], { axes: [...batch, i, 'q'] });
  const b = w.value(body, n.inputs[1], { axes: [...batch, 'q', j] });
  root.lines.push(`for (let q = 0; q < ${k}; q++) {`, ...body.lines.map((l) => `  ${l}`), `  acc += ${a} * ${b};`, '}');
  w.fused.push('matmul');
  return 'acc';
};

export const lower = (ir: IR, declared: readonly InputSpec[]): Plan => {
  const outputs = new Set(Object.values(ir.outputs));
  const buffers: PlanBuffer[] = [];
  const bufferOfNode = new Map<number, number>();
  for (const n of ir.nodes) {
    if (!materialized(n, outputs)) continue;
    const id = buffers.length;
    // a constant that is also an output stays a constant: the runtime hands back a copy
    const kind = n.op.kind === 'input' || n.op.kind === 'constant' ? n.op.kind : outputs.has(n.id) ? 'output' : 'intermediate';
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
  for (const n of ir.nodes) {
    const out = bufferOfNode.get(n.id);
    if (out === undefined || buffers[out].kind === 'input' || buffers[out].kind === 'constant') continue;
    // a kernel reads other nodes' buffers, never its own output
    const w = new KernelWriter(ir.nodes, (id) => (id === n.id ? undefined : bufferOfNode.get(id)));
    const root = new Scope();
    const result =
      n.op.kind === 'reduce' ? reduceBody(w, root, n)
      : n.op.kind === 'matmul' ? matmulBody(w, root, n)
      : w.value(root, n.id, { flat: 'x' });
    const lines = pruneDeadConsts(root.lines, result);
    const params = [...w.params.entries()].filter(([, p]) => lines.some((l) => l.includes(`${p}[`)) || result.includes(`${p}[`));
    const usesX = lines.some((l) => /\bx\b/.test(l)) || /\bx\b/.test(result);
    const source = [
      `function(${params.map(([, p]) => p).join(', ')}) {`,
      ...(usesX ? ['  const x = this.thread.x;'] : []),
      ...lines.map((l) => `  ${l}`),
      `  return ${result};`,
      '}',
    ].join('\n');
    kernels.push({
      name: `k${kernels.length}_${n.op.kind === 'reduce' || n.op.kind === 'matmul' ? n.op.kind : 'fused'}`,
      source,
      args: params.map(([b]) => b),
      output: out,
      fused: w.fused.length ? w.fused : ['copy'],
      bytesRead: params.reduce((s, [b]) => s + buffers[b].size * BYTES, 0),
      bytesWritten: buffers[out].size * BYTES,
    });
  }
  const inputs = Object.fromEntries(buffers.filter((b) => b.kind === 'input').map((b) => [b.name!, b.id]));
  const outs = Object.fromEntries(Object.entries(ir.outputs).map(([name, id]) => [name, bufferOfNode.get(id)!]));
  return {
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
    stats: { nodes: ir.nodes.length, merged: ir.merged, unusedInputs: declared.filter((s) => !(s.name in inputs)).map((s) => s.name) },
  };
};

