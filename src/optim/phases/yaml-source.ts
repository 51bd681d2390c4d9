// Where things are in a parsed YAML/JSON document: line and column of a path, the key written at an offset.
import type { Document, LineCounter, Node } from 'yaml';
import { isMap, isNode, isScalar, isSeq } from 'yaml';

export interface Position {
  readonly line: number;
  readonly column: number;
}

export const positionAt = (lines: LineCounter, offset: number): Position => {
  const { line, col } = lines.linePos(offset);
  return { line, column: col };
};

/** The deepest node along `segments` below `node` (a missing key points at its parent). */
export const nodeAt = (node: unknown, segments: ReadonlyArray<string | number>): Node | undefined => {
  let at = isNode(node) ? node : undefined;
  for (const s of segments) {
    let next: unknown;
    if (isMap(at)) {
      const pair = at.items.find((p) => (isScalar(p.key) ? String(p.key.value) : undefined) === String(s));
      next = isNode(pair?.value) ? pair.value : pair?.key;
    } else if (isSeq(at)) next = at.items[Number(s)];
    if (!isNode(next)) break;
    at = next;
  }
  return at;
};

/** How a key was written in the source, for messages. */
export const keyText = (source: string, key: unknown): string =>
  isNode(key) && key.range ? source.slice(key.range[0], key.range[1]).trim() : JSON.stringify(key);

/** The dotted path of the key whose node starts at `offset` (yaml reports duplicate keys by offset). */
export const keyPathAt = (doc: Document, source: string, offset: number): Array<string | number> | undefined => {
  const walk = (node: unknown, path: Array<string | number>): Array<string | number> | undefined => {
    if (isMap(node)) {
      for (const p of node.items) {
        const name = isScalar(p.key) ? String(p.key.value) : keyText(source, p.key);
        if (isNode(p.key) && p.key.range?.[0] === offset) return [...path, name];
        const inner = walk(p.value, [...path, name]);
        if (inner) return inner;
      }
    } else if (isSeq(node)) {
      for (const [i, item] of node.items.entries()) {
        const inner = walk(item, [...path, i]);
        if (inner) return inner;
      }
    }
    return undefined;
  };
  return walk(doc.contents, []);
};
