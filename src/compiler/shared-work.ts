// Which fused values are worth a buffer: an expensive elementwise value (a random draw, say) that
// several kernels would each recompute is computed once instead; cheap ones stay duplicated.
import { ROUNDS } from '../dsl/counter-hash.js';
import type { IR, IRNode } from './ir.js';

/** Rough f32 operations to compute one element of a node, its fused producers excluded. */
const opCost = (n: IRNode): number => {
  switch (n.op.kind) {
    case 'random':
      return ROUNDS * 48 + 30; // two lowbias32 multiplies and three xorshifts per round, on 16-bit limbs
    case 'unary':
    case 'binary':
    case 'where':
    case 'cast':
      return n.op.kind === 'binary' && n.op.fn === 'pow' ? 20 : n.op.kind === 'unary' && ['exp', 'log', 'tanh', 'erf', 'cos'].includes(n.op.fn) ? 20 : 1;
    default:
      return 0;
  }
};

/** Operations per element of `n` with every non-materialised producer inlined. */
export const inlineCost = (ir: IR, n: IRNode, isMaterialized: (id: number) => boolean, memo = new Map<number, number>()): number => {
  if (isMaterialized(n.id)) return 0;
  if (!memo.has(n.id)) memo.set(n.id, opCost(n) + n.inputs.reduce((s, i) => s + inlineCost(ir, ir.nodes[i], isMaterialized, memo), 0));
  return memo.get(n.id)!;
};

/** Above this many operations per element, a value read by two or more kernels gets its own buffer. */
export const SHARED_COST = 64;

/**
 * Walk consumers before producers: a value inlined into two or more materialised kernels and
 * costing at least SHARED_COST is materialised; its own producers then have a single reader.
 */
export const sharedExpensive = (ir: IR, isMaterialized: (id: number) => boolean): Set<number> => {
  const chosen = new Set<number>();
  const mat = (id: number) => isMaterialized(id) || chosen.has(id);
  const consumers = ir.nodes.map(() => [] as number[]);
  ir.nodes.forEach((n) => n.inputs.forEach((i) => consumers[i].push(n.id)));
  const cost = new Map<number, number>();
  const costOf = (n: IRNode): number => {
    if (!cost.has(n.id)) cost.set(n.id, opCost(n) + n.inputs.reduce((s, i) => s + (mat(i) ? 0 : costOf(ir.nodes[i])), 0));
    return cost.get(n.id)!;
  };
  /** The materialised kernels that inline node `id`. */
  const roots = (id: number): Set<number> => {
    const found = new Set<number>();
    const visited = new Set<number>();
    const stack = [id];
    while (stack.length) {
      for (const c of consumers[stack.pop()!]) {
        if (mat(c)) found.add(c);
        else if (!visited.has(c)) visited.add(c), stack.push(c);
      }
    }
    return found;
  };
  for (let k = ir.nodes.length - 1; k >= 0; k--) {
    const n = ir.nodes[k];
    if (mat(n.id) || opCost(n) === 0) continue;
    // producers are decided after their consumers, so a cached cost never counts a later choice
    if (costOf(n) >= SHARED_COST && roots(n.id).size >= 2) chosen.add(n.id);
  }
  return chosen;
};
