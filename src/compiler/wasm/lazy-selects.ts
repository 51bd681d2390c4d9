// A select whose sides are long computations that nothing else reads (erf's |x| < 1 polynomial and its
// erfc branch with an exp, in gelu and its gradient) computes a side only when some lane takes it: a side
// no lane takes never reaches the result, so the bits are those of computing both.
import type { Kernel } from '../kernel-ir/types.js';
import { allNodes, operands } from '../kernel-ir/types.js';

/** The top-level nodes only each side of a select needs, in definition order. */
export interface LazySelect {
  readonly a: readonly number[];
  readonly b: readonly number[];
}

/** Sides with fewer nodes stay eager: a branch costs about as much as a few SIMD ops. */
export const MIN_LAZY_SIDE = 8;

/** The kernel's lazy selects by id: top-level, varying condition, at least one side of MIN_LAZY_SIDE nodes. */
export const lazySelects = (k: Kernel, varying: ReadonlySet<number>): Map<number, LazySelect> => {
  const users = new Map<number, number[]>();
  for (const n of allNodes(k.nodes)) {
    const reads = n.op === 'accumulate' ? [...operands(n), n.value] : operands(n);
    for (const o of reads) users.set(o, [...(users.get(o) ?? []), n.id]);
  }
  const stored = new Set(k.stores.map((s) => s.value));
  const byId = new Map(k.nodes.map((n) => [n.id, n]));
  const order = new Map(k.nodes.map((n, i) => [n.id, i]));
  const claimed = new Set<number>();
  const lazy = new Map<number, LazySelect>();
  // later selects first: an outer select's sides take the inner selects inside them
  for (const s of [...k.nodes].reverse()) {
    if (s.op !== 'select' || claimed.has(s.id) || !varying.has(s.cond)) continue;
    const side = (root: number): number[] => {
      // what the root reads, then only what no node outside the side (or the select itself) reads
      const cone = new Set<number>();
      const stack = [root];
      while (stack.length) {
        const id = stack.pop()!;
        const n = byId.get(id);
        if (!n || cone.has(id) || claimed.has(id) || !varying.has(id) || n.op === 'index' || n.op === 'accumulate' || id === s.cond || stored.has(id)) continue;
        cone.add(id);
        stack.push(...operands(n));
      }
      for (let changed = true; changed; ) {
        changed = false;
        for (const id of cone) {
          if ((users.get(id) ?? []).every((u) => cone.has(u) || (u === s.id && id === root))) continue;
          cone.delete(id);
          changed = true;
        }
      }
      return [...cone].sort((x, y) => order.get(x)! - order.get(y)!);
    };
    const [a, b] = [side(s.a), side(s.b)];
    if (a.length < MIN_LAZY_SIDE && b.length < MIN_LAZY_SIDE) continue;
    [...a, ...b].forEach((id) => claimed.add(id));
    lazy.set(s.id, { a, b });
  }
  return lazy;
};
