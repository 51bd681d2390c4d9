// Kernel IR -> one WGSL compute shader: one invocation per element of the index space, each
// computing every store of the kernel in the IR's order; accumulations loop per element in index
// order, so a sum adds the same f32 values in the same order as the wasm renderer.
import type { Kernel, KNode, KType } from '../kernel-ir/types.js';
import { allNodes } from '../kernel-ir/types.js';
import type { Dispatch } from './grid.js';
import { WORKGROUP_SIZE, dispatchFor, flatIndex } from './grid.js';
import type { ExprContext, Helper } from './ops.js';
import { HELPERS, expression } from './ops.js';
import { literal, wgslType } from './literal.js';
import type { Packing } from './pack.js';
import { packingFor } from './pack.js';

/** The binding of a kernel's pack (pack.ts) in `bindings`. */
export const PACK = -1;

export interface RenderOptions {
  /** WebGPU's maxComputeWorkgroupsPerDimension (default 65535). */
  readonly maxWorkgroupsPerDimension?: number;
  /** WebGPU's maxStorageBuffersPerShaderStage: more read-only buffers than this travel packed. */
  readonly maxBindings?: number;
  /** Element counts of plan buffers (needed to pack). */
  readonly sizeOf?: (buffer: number) => number;
}

export interface RenderedWgsl {
  readonly name: string;
  readonly source: string;
  /** Plan buffers bound at @binding(0), (1), …, in the kernel's parameter order; PACK for the pack. */
  readonly bindings: readonly number[];
  /** Read-only buffers the runtime copies into one buffer before the dispatch, if the kernel reads too many. */
  readonly pack?: Packing;
  /** The bound buffers the shader writes (bound read_write; the rest read-only). */
  readonly writes: readonly number[];
  readonly size: number;
  readonly dispatch: Dispatch;
}

export class WgslRenderError extends Error {
  override readonly name = 'WgslRenderError';
}

const indent = (depth: number) => '  '.repeat(depth + 1);

class ShaderWriter implements ExprContext {
  private readonly byId: Map<number, KNode>;
  readonly helpers = new Set<Helper>();
  readonly lines: string[] = [];

  constructor(
    private readonly k: Kernel,
    private readonly packing?: Packing,
  ) {
    this.byId = new Map(allNodes(k.nodes).map((n) => [n.id, n]));
  }

  v(id: number): string {
    return `v${id}`;
  }

  type(id: number): KType {
    return this.byId.get(id)!.type;
  }

  buffer(buffer: number): string {
    return `b${buffer}`;
  }

  load(buffer: number, index: number): string {
    const at = this.packing?.buffers.indexOf(buffer) ?? -1;
    if (at < 0) return `${this.buffer(buffer)}[${this.v(index)}]`;
    return `pack[${literal('i32', this.packing!.offsets[at])} + ${this.v(index)}]`;
  }

  use(helper: Helper): void {
    if (this.helpers.has(helper)) return;
    HELPERS[helper].calls.forEach((h) => this.use(h));
    this.helpers.add(helper);
  }

  fail(why: string): never {
    throw new WgslRenderError(`WGSL renderer: kernel ${this.k.name}: ${why}`);
  }

  /** `nodes` in order at loop depth `depth`; `loop` maps an accumulation to its counter's name. */
  body(nodes: readonly KNode[], depth: number): void {
    const pad = indent(depth);
    for (const n of nodes) {
      const decl = `let ${this.v(n.id)}: ${wgslType(n.type)}`;
      if (n.op === 'index') this.lines.push(`${pad}${decl} = i32(index);`);
      else if (n.op === 'loopIndex') this.lines.push(`${pad}${decl} = j${n.loop};`);
      else if (n.op === 'accumulate') this.accumulate(n, depth);
      else this.lines.push(`${pad}${decl} = ${expression(this, n)};`);
    }
  }

  private accumulate(n: Extract<KNode, { op: 'accumulate' }>, depth: number): void {
    const pad = indent(depth);
    const acc = this.v(n.id);
    if (n.type === 'bool') this.fail(`accumulation of bool`);
    this.lines.push(`${pad}var ${acc}: ${wgslType(n.type)} = ${this.v(n.init)};`);
    this.lines.push(`${pad}for (var j${n.id}: i32 = ${n.start}; j${n.id} < ${n.count}; j${n.id}++) {`);
    this.body(n.body, depth + 1);
    const value = this.v(n.value);
    this.lines.push(`${indent(depth + 1)}${acc} = ${n.fn === 'sum' ? `${acc} + ${value}` : `max(${acc}, ${value})`};`);
    this.lines.push(`${pad}}`);
  }
}

/** Renders one kernel; a renderer bug is an error naming the kernel, never a wrong shader. */
export const renderWgsl = (k: Kernel, options: RenderOptions = {}): RenderedWgsl => {
  const pack = options.maxBindings !== undefined && options.sizeOf ? packingFor(k, options.maxBindings, options.sizeOf) : undefined;
  const w = new ShaderWriter(k, pack);
  const dispatch = dispatchFor(k.size, options.maxWorkgroupsPerDimension);
  for (const s of k.stores) if (w.type(s.value) !== 'f32') w.fail(`store of a ${w.type(s.value)} value`);
  w.body(k.nodes, 0);
  const writes = [...new Set(k.stores.map((s) => s.buffer))];
  const bindings = [...k.params.filter((b) => !pack?.buffers.includes(b)), ...(pack ? [PACK] : [])];
  const decls = bindings.map((b, i) =>
    `@group(0) @binding(${i}) var<storage, ${writes.includes(b) ? 'read_write' : 'read'}> ${b === PACK ? 'pack' : w.buffer(b)}: array<f32>;`);
  const source = [
    `// graft kernel ${k.name}: ${k.fused.join(' ')}`,
    ...decls,
    ...[...w.helpers].map((h) => HELPERS[h].source),
    `@compute @workgroup_size(${WORKGROUP_SIZE})`,
    `fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {`,
    `  ${flatIndex(dispatch.x, k.size)}`,
    ...w.lines,
    ...k.stores.map((s) => `  ${w.buffer(s.buffer)}[index] = ${w.v(s.value)};`),
    `}`,
    '',
  ].join('\n');
  return { name: k.name, source, bindings, writes, size: k.size, dispatch, ...(pack ? { pack } : {}) };
};
