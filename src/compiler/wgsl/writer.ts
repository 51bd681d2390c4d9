// Kernel IR nodes as WGSL statements (`let v<id> = …;`), shared by the per-element, tiled and tree
// renderers; a node may be given a replacement expression (a tiled factor's load, the tile's sum).
import type { Kernel, KNode, KType } from '../kernel-ir/types.js';
import { allNodes } from '../kernel-ir/types.js';
import type { ExprContext, Helper } from './ops.js';
import { HELPERS, expression } from './ops.js';
import { literal, wgslType } from './literal.js';
import type { Packing } from './pack.js';

export class WgslRenderError extends Error {
  override readonly name = 'WgslRenderError';
}

const indent = (depth: number) => '  '.repeat(depth + 1);

export class ShaderWriter implements ExprContext {
  private readonly byId: Map<number, KNode>;
  readonly helpers = new Set<Helper>();
  lines: string[] = [];
  /** Nodes rendered as a given expression instead of their own (node id -> WGSL). */
  readonly replaced = new Map<number, string>();

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
    return this.read(buffer, this.v(index));
  }

  /** Element `at` (an i32 expression) of plan buffer `buffer`, wherever it is bound. */
  read(buffer: number, at: string): string {
    const i = this.packing?.buffers.indexOf(buffer) ?? -1;
    if (i < 0) return `${this.buffer(buffer)}[${at}]`;
    return `pack[${literal('i32', this.packing!.offsets[i])} + ${at}]`;
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
      const instead = this.replaced.get(n.id);
      if (instead !== undefined) this.lines.push(`${pad}${decl} = ${instead};`);
      else if (n.op === 'index') this.lines.push(`${pad}${decl} = i32(index);`);
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

