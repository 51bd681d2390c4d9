// How the four lanes of an aligned group (elements g..g+3, g a multiple of four) relate for i32
// index arithmetic: `linear` lanes hold v, v+1, v+2, v+3 (one v128 load reads them), `group`
// lanes hold one value (one scalar load serves all four). Division and remainder by a multiple
// of four keep the structure because the group never straddles a multiple of four.
import type { KNode } from '../kernel-ir/types.js';

export type LaneShape = 'linear' | 'group';

const multipleOfFour = (n: KNode | undefined): boolean => n?.op === 'const' && n.value > 0 && n.value % 4 === 0;

/** Lane shapes of the varying i32 nodes that have one (in definition order, so operands come first). */
export const laneShapes = (all: readonly KNode[], varying: ReadonlySet<number>): Map<number, LaneShape> => {
  const byId = new Map(all.map((n) => [n.id, n]));
  const shapes = new Map<number, LaneShape>();
  // uniform operands behave like groups
  const shape = (id: number): LaneShape | 'uniform' | undefined => (varying.has(id) ? shapes.get(id) : 'uniform');
  for (const n of all) {
    if (!varying.has(n.id) || n.type !== 'i32') continue;
    if (n.op === 'index') {
      shapes.set(n.id, 'linear');
      continue;
    }
    if (n.op !== 'binary') continue;
    const a = shape(n.a);
    const b = shape(n.b);
    if (a === undefined || b === undefined) continue;
    const grouped = (s: typeof a) => s === 'group' || s === 'uniform';
    let out: LaneShape | undefined;
    switch (n.fn) {
      case 'add':
        out = a === 'linear' && b === 'linear' ? undefined : a === 'linear' || b === 'linear' ? 'linear' : 'group';
        break;
      case 'sub':
        out = b === 'linear' ? undefined : a === 'linear' ? 'linear' : 'group';
        break;
      case 'mul':
      case 'min':
      case 'max':
        out = grouped(a) && grouped(b) ? 'group' : undefined;
        break;
      case 'div':
        out = grouped(a) && grouped(b) ? 'group' : a === 'linear' && multipleOfFour(byId.get(n.b)) ? 'group' : undefined;
        break;
      case 'rem':
        out = grouped(a) && grouped(b) ? 'group' : a === 'linear' && multipleOfFour(byId.get(n.b)) ? 'linear' : undefined;
        break;
      default:
        out = undefined;
    }
    if (out) shapes.set(n.id, out);
  }
  return shapes;
};
