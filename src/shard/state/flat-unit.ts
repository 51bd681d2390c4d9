// Moving values between a unit's parameters, its padded flat buffer (chunk · W elements) and one rank's chunk of it.
import type { UnitLayout } from '../layout.js';

export type Values = Readonly<Record<string, Float32Array>>;

/** The unit's parameters in flat order, zero-padded to chunk · W (FSDP's FlatParameter). */
export const flattenUnit = (layout: UnitLayout, values: Values): Float32Array => {
  const flat = new Float32Array(layout.chunk * layout.worldSize);
  for (const slot of layout.params) flat.set(values[slot.name].subarray(0, slot.size), slot.offset);
  return flat;
};

/** Each parameter of the unit as a copy out of its flat buffer (padding dropped). */
export const unflattenUnit = (layout: UnitLayout, flat: Float32Array): Record<string, Float32Array> =>
  Object.fromEntries(layout.params.map((slot) => [slot.name, flat.slice(slot.offset, slot.offset + slot.size)]));

/** Rank `rank`'s chunk of a padded flat buffer, as a copy. */
export const chunkOf = (layout: UnitLayout, rank: number, flat: Float32Array): Float32Array => flat.slice(rank * layout.chunk, (rank + 1) * layout.chunk);

/** The non-empty pieces of parameters that `rank` holds, in flat order. */
export const ownedPieces = (layout: UnitLayout, rank: number) =>
  layout.params.flatMap((slot) => {
    const piece = slot.pieces[rank];
    return piece.end > piece.start ? [{ name: slot.name, start: piece.start, end: piece.end, at: piece.at }] : [];
  });

/** The pieces of `chunk` (rank `rank`'s chunk) by parameter name, as views. */
export const piecesOfChunk = (layout: UnitLayout, rank: number, chunk: Float32Array): Record<string, Float32Array> =>
  Object.fromEntries(ownedPieces(layout, rank).map((p) => [p.name, chunk.subarray(p.at, p.at + p.end - p.start)]));

/** A chunk made of pieces by parameter name (the padding stays zero). */
export const chunkFromPieces = (layout: UnitLayout, rank: number, pieces: Values): Float32Array => {
  const chunk = new Float32Array(layout.chunk);
  for (const p of ownedPieces(layout, rank)) chunk.set(pieces[p.name], p.at);
  return chunk;
};
