// Layouts for people: which rank holds which part of which parameter.
import type { UnitLayout } from './layout.js';
import { pieceKind } from './layout.js';
import { ROOT_UNIT } from './units.js';

const count = (n: number): string => n.toLocaleString('en-US');

/** `'bert.pooler' (BertPooler)`, or `root unit` for the unit that holds whatever no wrapped module claims. */
export const unitLabel = (unit: { readonly name: string; readonly class: string }): string =>
  unit.name === ROOT_UNIT ? 'root unit' : `'${unit.name}' (${unit.class})`;

/** One header line, one line per parameter (its span and where its pieces live), one line per rank. */
export const describeLayout = (layout: UnitLayout): string => {
  const head = `${unitLabel({ name: layout.unit, class: layout.class })}: ${count(layout.numel)} elements over ${layout.worldSize} rank${layout.worldSize === 1 ? '' : 's'}, chunk ${count(layout.chunk)}, padding ${layout.padding}`;
  const width = Math.max(0, ...layout.params.map((p) => p.name.length));
  const shapeWidth = Math.max(0, ...layout.params.map((p) => `[${p.shape.join(', ')}]`.length));
  const params = layout.params.map((slot) => {
    const held = slot.pieces.filter((piece) => pieceKind(slot, piece) !== 'none');
    const where =
      held.length === 0
        ? 'empty'
        : held.length === 1 && pieceKind(slot, held[0]) === 'whole'
          ? `whole on rank ${held[0].rank}`
          : held.map((p) => `r${p.rank} [${p.start}, ${p.end})`).join(' ');
    return `  ${slot.name.padEnd(width)}  ${`[${slot.shape.join(', ')}]`.padEnd(shapeWidth)}  flat [${slot.offset}, ${slot.offset + slot.size})  ${where}`;
  });
  const ranks = layout.ranks.map((r) => `  rank ${r.rank}: [${r.start}, ${r.end})${r.padding ? ` + ${r.padding} padding` : ''}  ${r.params.length} parameter${r.params.length === 1 ? '' : 's'}`);
  return [head, ...params, ...ranks].join('\n');
};
