// How much work a kernel is, counted in node evaluations: what a runtime weighs to decide whether
// splitting it across threads pays. Computed when rendering, so a runtime needs no kernel IR.
import type { Kernel, KNode } from './types.js';

/** Node evaluations per element, accumulation bodies counted once per iteration. */
const workPerElement = (nodes: readonly KNode[]): number =>
  nodes.reduce((w, n) => w + 1 + (n.op === 'accumulate' ? (n.count - n.start) * workPerElement(n.body) : 0), 0);

/** Node evaluations over the kernel's whole index space. */
export const kernelWork = (k: Kernel): number => k.size * workPerElement(k.nodes);
