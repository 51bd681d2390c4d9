// A kernel's final form: nodes no store needs dropped, parameters listed in first-use order.
import type { MatmulTiling } from './tiling.js';
import type { Kernel, KNode, KStore } from './types.js';
import { allNodes, operands } from './types.js';

/** Keeps only the nodes the stores depend on (accumulation bodies pruned too). */
export const pruneNodes = (nodes: readonly KNode[], stores: readonly KStore[]): KNode[] => {
  const byId = new Map(allNodes(nodes).map((n) => [n.id, n]));
  const live = new Set<number>();
  const stack = stores.map((s) => s.value);
  while (stack.length) {
    const id = stack.pop()!;
    if (live.has(id)) continue;
    live.add(id);
    const n = byId.get(id)!;
    stack.push(...operands(n));
    if (n.op === 'loopIndex') stack.push(n.loop);
    if (n.op === 'accumulate') stack.push(n.value);
  }
  const keep = (list: readonly KNode[]): KNode[] =>
    list.filter((n) => live.has(n.id)).map((n) => (n.op === 'accumulate' ? { ...n, body: keep(n.body) } : n));
  return keep(nodes);
};

export const finishKernel = (name: string, size: number, nodes: readonly KNode[], stores: readonly KStore[], fused: readonly string[], tiling?: MatmulTiling): Kernel => {
  const kept = pruneNodes(nodes, stores);
  const params: number[] = [];
  const use = (b: number) => params.includes(b) || params.push(b);
  allNodes(kept).forEach((n) => n.op === 'load' && use(n.buffer));
  stores.forEach((s) => use(s.buffer));
  // a tiling whose accumulation no store needs is dropped with it
  const live = tiling && kept.some((n) => n.id === tiling.accumulate);
  return { name, size, params, nodes: kept, stores, fused, ...(live ? { tiling } : {}) };
};
