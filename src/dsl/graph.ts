import type { Tensor } from './tensor.js';

/** Every node reachable from `roots`, inputs before users; iterative, so deep chains do not overflow the stack. */
export const topoOrder = (roots: readonly Tensor[]): Tensor[] => {
  const order: Tensor[] = [];
  const seen = new Set<number>();
  const stack: Array<[Tensor, number]> = roots.map((r) => [r, 0]);
  stack.reverse();
  while (stack.length) {
    const top = stack[stack.length - 1];
    const [t, next] = top;
    if (next === 0 && seen.has(t.id)) {
      stack.pop();
      continue;
    }
    if (next < t.inputs.length) {
      top[1] = next + 1;
      const child = t.inputs[next];
      if (!seen.has(child.id)) stack.push([child, 0]);
      continue;
    }
    stack.pop();
    if (!seen.has(t.id)) {
      seen.add(t.id);
      order.push(t);
    }
  }
  return order;
};
