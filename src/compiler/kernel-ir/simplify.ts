// Exact rewrites of a kernel that take work out of its element loop. Each gives the same bits.
//   cast(b: bool -> f32) / c, c the same for every element  ->  select(b, 1 / c, 0 / c)
// (a Bernoulli mask scaled by 1/p: the quotient of 0 or 1 is rounded once either way, and 0 / c
// keeps its sign and NaN), so the division runs once per call instead of once per element.
import type { Kernel, KNode } from './types.js';
import { allNodes, operands } from './types.js';

/** Top-level nodes whose value differs between elements (the index, and what depends on it or on a loop). */
const varyingNodes = (nodes: readonly KNode[]): Set<number> => {
  const varying = new Set<number>();
  for (const n of nodes) if (n.op === 'index' || n.op === 'accumulate' || operands(n).some((o) => varying.has(o))) varying.add(n.id);
  return varying;
};

export const simplifyKernel = (k: Kernel): Kernel => {
  const byId = new Map(k.nodes.map((n) => [n.id, n]));
  const varying = varyingNodes(k.nodes);
  let next = Math.max(0, ...allNodes(k.nodes).map((n) => n.id)) + 1;
  let changed = false;
  const nodes: KNode[] = [];
  for (const n of k.nodes) {
    const a = n.op === 'binary' ? byId.get(n.a) : undefined;
    const from = a?.op === 'cast' ? byId.get(a.a) : undefined;
    if (n.op !== 'binary' || n.fn !== 'div' || n.type !== 'f32' || a?.op !== 'cast' || from?.type !== 'bool' || varying.has(n.b)) {
      nodes.push(n);
      continue;
    }
    const [one, zero, kept, dropped] = [next++, next++, next++, next++];
    nodes.push(
      { id: one, op: 'const', type: 'f32', value: 1 },
      { id: zero, op: 'const', type: 'f32', value: 0 },
      { id: kept, op: 'binary', type: 'f32', fn: 'div', a: one, b: n.b },
      { id: dropped, op: 'binary', type: 'f32', fn: 'div', a: zero, b: n.b },
      { id: n.id, op: 'select', type: 'f32', cond: from.id, a: kept, b: dropped },
    );
    changed = true;
  }
  return changed ? { ...k, nodes } : k;
};
