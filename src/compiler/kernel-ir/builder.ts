// Builds a kernel's SSA graph: identical nodes are shared (hash-consing), integer constants fold,
// and a node lands in the outermost loop where its operands exist (loop-invariant code motion).
import type { KBinary, KNode, KType, KUnary } from './types.js';
import { COMPARISONS, operands } from './types.js';

type Draft = KNode extends infer N ? (N extends KNode ? Omit<N, 'id'> : never) : never;

interface Scope {
  readonly nodes: KNode[];
  readonly memo: Map<string, number>;
}

const INT_FOLD: Partial<Record<KBinary, (a: number, b: number) => number>> = {
  add: (a, b) => (a + b) | 0,
  sub: (a, b) => (a - b) | 0,
  mul: (a, b) => Math.imul(a, b),
  min: Math.min,
  max: Math.max,
};

// JSON writes Infinity, -Infinity and NaN as null and -0 as 0: constants that differ must keep different keys
const keepNonFinite = (_: string, x: unknown): unknown => (typeof x === 'number' && (!Number.isFinite(x) || Object.is(x, -0)) ? `number:${Object.is(x, -0) ? '-0' : x}` : x);

/** Structural identity, independent of property order. */
const keyOf = (draft: object): string =>
  Object.entries(draft)
    .filter(([k, v]) => k !== 'id' && v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${JSON.stringify(v, keepNonFinite)}`)
    .join(';');

export class KernelBuilder {
  private readonly byId = new Map<number, KNode>();
  /** Scope depth of every node: 0 is the kernel body, k the k-th nested accumulation. */
  private readonly depth = new Map<number, number>();
  private readonly scopes: Scope[] = [{ nodes: [], memo: new Map() }];
  private next = 0;
  readonly index: number;

  constructor() {
    this.index = this.add({ op: 'index', type: 'i32' });
  }

  node(id: number): KNode {
    return this.byId.get(id)!;
  }

  typeOf(id: number): KType {
    return this.node(id).type;
  }

  get nodes(): readonly KNode[] {
    return this.scopes[0].nodes;
  }

  /** Adds a node (or returns the identical one already there) in the outermost scope its operands allow. */
  add(draft: Draft): number {
    const folded = this.fold(draft);
    if (folded !== undefined) return folded;
    const d = draft.op === 'loopIndex' ? this.depth.get(draft.loop)! + 1 : Math.max(0, ...operands({ ...draft, id: -1 } as KNode).map((o) => this.depth.get(o)!));
    const scope = this.scopes[d];
    const key = keyOf(draft);
    const hit = scope.memo.get(key);
    if (hit !== undefined) return hit;
    const id = this.next++;
    const n = { ...draft, id } as KNode;
    scope.nodes.push(n);
    scope.memo.set(key, id);
    this.byId.set(id, n);
    this.depth.set(id, d);
    return id;
  }

  constant(type: KType, value: number): number {
    return this.add({ op: 'const', type, value: type === 'f32' ? Math.fround(value) : type === 'bool' ? +!!value : value | 0 });
  }

  unary(fn: KUnary, a: number): number {
    return this.add({ op: 'unary', fn, type: this.typeOf(a), a });
  }

  binary(fn: KBinary, a: number, b: number): number {
    const ta = this.typeOf(a);
    const tb = this.typeOf(b);
    if (ta !== tb) throw new Error(`internal: kernel IR ${fn} of ${ta} and ${tb}`);
    return this.add({ op: 'binary', fn, type: COMPARISONS.has(fn) ? 'bool' : ta, a, b });
  }

  select(cond: number, a: number, b: number): number {
    return a === b ? a : this.add({ op: 'select', type: this.typeOf(a), cond, a, b });
  }

  cast(type: KType, a: number): number {
    return this.typeOf(a) === type ? a : this.add({ op: 'cast', type, a });
  }

  bitcast(type: KType, a: number): number {
    return this.typeOf(a) === type ? a : this.add({ op: 'bitcast', type, a });
  }

  load(buffer: number, index: number): number {
    return this.add({ op: 'load', type: 'f32', buffer, index });
  }

  /** i32 helpers for index arithmetic (operands are non-negative and below 2^31). */
  int(v: number): number {
    return this.constant('i32', v);
  }

  /** acc = init; for j in [start, count): acc = acc fn body(j). */
  accumulate(fn: 'sum' | 'max', init: number, start: number, count: number, body: (j: number) => number): number {
    const loopId = this.next++;
    const d = this.scopes.length;
    this.scopes.push({ nodes: [], memo: new Map() });
    this.depth.set(loopId, d - 1);
    const j = this.add({ op: 'loopIndex', type: 'i32', loop: loopId });
    const value = body(j);
    const scope = this.scopes.pop()!;
    const type = this.typeOf(init);
    const n: KNode = { id: loopId, op: 'accumulate', type, fn, start, count, init, body: scope.nodes, value };
    this.scopes[d - 1].nodes.push(n);
    this.byId.set(loopId, n);
    return loopId;
  }

  private fold(draft: Draft): number | undefined {
    if (draft.op !== 'binary' || (draft.type !== 'i32' && draft.type !== 'u32')) return undefined;
    const a = this.node(draft.a);
    const b = this.node(draft.b);
    const cb = b.op === 'const' ? b.value : undefined;
    const ca = a.op === 'const' ? a.value : undefined;
    const f = INT_FOLD[draft.fn];
    if (f && ca !== undefined && cb !== undefined && draft.type === 'i32') return this.constant('i32', f(ca, cb));
    if ((draft.fn === 'add' || draft.fn === 'sub') && cb === 0) return draft.a;
    if (draft.fn === 'add' && ca === 0) return draft.b;
    if ((draft.fn === 'mul' || draft.fn === 'div') && cb === 1) return draft.a;
    if (draft.fn === 'mul' && ca === 1) return draft.b;
    if (draft.fn === 'mul' && (ca === 0 || cb === 0)) return this.constant(draft.type, 0);
    if (draft.fn === 'rem' && cb === 1) return this.constant(draft.type, 0);
    return undefined;
  }
}
