// Several outputs per kernel: kernels over the same index space become one when each reads the
// others' results only at its own element, so an optimizer step (mask, moments, update) is one
// pass over memory. A group runs where its last member ran, so kernels in between (a bias
// correction, say) must not read its results. A result no other kernel reads is never stored.
import { KernelBuilder } from './builder.js';
import { finishKernel } from './finish.js';
import type { MatmulTiling } from './tiling.js';
import { remapTiling } from './tiling.js';
import type { Kernel, KNode, KStore } from './types.js';
import { allNodes } from './types.js';

interface Group {
  readonly size: number;
  readonly b: KernelBuilder;
  readonly names: string[];
  readonly stores: KStore[];
  readonly fused: string[];
  /** Buffer -> the value this group stores there. */
  readonly written: Map<number, number>;
  /** Buffers this group loads. */
  readonly reads: Set<number>;
  /** A matmul schedule, from the member that brought it (its epilogue joins it). */
  tiling?: MatmulTiling;
}

/** The most buffers one kernel may take: renderers and thread dispatch pass each as an argument. */
export const MAX_KERNEL_BUFFERS = 48;

/** Reads of the group's results must be at the kernel's own element, outside any accumulation. */
const canJoin = (g: Group, k: Kernel): boolean => {
  if (g.size !== k.size) return false;
  // a tiled product takes elementwise work only, so its epilogue runs per element after the tile
  const accumulates = (nodes: readonly KNode[]) => nodes.some((n) => n.op === 'accumulate');
  if ((g.tiling && accumulates(k.nodes)) || (k.tiling && accumulates(g.b.nodes))) return false;
  // a kernel unrelated to the group joins only while half the room is free, so the kernels that
  // read the group's results (an update reading new moments) still fit
  const related = k.params.some((b) => g.written.has(b));
  if (new Set([...g.reads, ...g.written.keys(), ...k.params]).size > (related ? MAX_KERNEL_BUFFERS : MAX_KERNEL_BUFFERS / 2)) return false;
  const index = k.nodes.find((n) => n.op === 'index')?.id;
  const topLevel = new Map(k.nodes.map((n) => [n.id, n]));
  // over one element, index 0 is the element itself
  const own = (i: number) => i === index || (k.size === 1 && topLevel.get(i)?.op === 'const');
  const ok = allNodes(k.nodes).every((n) => n.op !== 'load' || !g.written.has(n.buffer) || (topLevel.has(n.id) && own(n.index)));
  // a kernel never writes what an earlier one read (topological order), but say so rather than assume
  return ok && k.stores.every((s) => !g.reads.has(s.buffer));
};

/** Re-adds kernel nodes to the group's builder: shared subexpressions merge, reads of group results become those values. */
const replay = (g: Group, nodes: readonly KNode[], map: Map<number, number>): void => {
  const b = g.b;
  const m = (id: number) => map.get(id)!;
  for (const n of nodes) {
    switch (n.op) {
      case 'index':
        map.set(n.id, b.index);
        break;
      case 'loopIndex':
        break; // bound by the accumulation being replayed
      case 'load': {
        const own = g.written.get(n.buffer);
        if (own === undefined) g.reads.add(n.buffer);
        map.set(n.id, own ?? b.load(n.buffer, m(n.index)));
        break;
      }
      case 'const':
        map.set(n.id, b.constant(n.type, n.value));
        break;
      case 'unary':
      case 'cast':
      case 'bitcast':
        map.set(n.id, b.add({ ...n, id: undefined, a: m(n.a) } as never));
        break;
      case 'binary':
        map.set(n.id, b.add({ op: 'binary', type: n.type, fn: n.fn, a: m(n.a), b: m(n.b) }));
        break;
      case 'select':
        map.set(n.id, b.add({ op: 'select', type: n.type, cond: m(n.cond), a: m(n.a), b: m(n.b) }));
        break;
      case 'accumulate': {
        const j = n.body.find((x) => x.op === 'loopIndex' && x.loop === n.id);
        map.set(n.id, b.accumulate(n.fn, m(n.init), n.start, n.count, (loopIndex) => {
          if (j) map.set(j.id, loopIndex);
          replay(g, n.body, map);
          return m(n.value);
        }));
        break;
      }
    }
  }
};

const join = (g: Group, k: Kernel): void => {
  const map = new Map<number, number>();
  replay(g, k.nodes, map);
  if (k.tiling) g.tiling = remapTiling(k.tiling, (id) => map.get(id)!);
  for (const s of k.stores) {
    const value = map.get(s.value)!;
    g.stores.push({ buffer: s.buffer, value });
    g.written.set(s.buffer, value);
  }
  g.names.push(k.name);
  g.fused.push(...k.fused);
};

/** The latest group `k` can join that may move after every later group (none of them reads its results); -1 if none. */
const joinable = (groups: readonly Group[], k: Kernel): number => {
  const laterReads = new Set<number>();
  for (let i = groups.length - 1; i >= 0; i--) {
    const g = groups[i];
    if (canJoin(g, k) && ![...g.written.keys()].some((b) => laterReads.has(b))) return i;
    g.reads.forEach((b) => laterReads.add(b));
  }
  return -1;
};

/**
 * Merge kernels; `mustStore` says which buffers someone outside the kernels reads
 * (plan outputs). Names join the merged kernels' names with '+'.
 */
export const mergeKernels = (kernels: readonly Kernel[], mustStore: (buffer: number) => boolean): Kernel[] => {
  const groups: Group[] = [];
  for (const k of kernels) {
    const at = joinable(groups, k);
    if (at >= 0) {
      const [g] = groups.splice(at, 1);
      join(g, k);
      groups.push(g);
    } else {
      const g: Group = { size: k.size, b: new KernelBuilder(), names: [], stores: [], fused: [], written: new Map(), reads: new Set() };
      join(g, k);
      groups.push(g);
    }
  }
  const read = new Set(groups.flatMap((g) => allNodes(g.b.nodes).flatMap((n) => (n.op === 'load' ? [n.buffer] : []))));
  return groups.map((g) => {
    const stores = g.stores.filter((s) => mustStore(s.buffer) || read.has(s.buffer));
    return finishKernel(g.names.join('+'), g.size, g.b.nodes, stores, g.fused, g.tiling);
  });
};
