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

const scalarKey = (key: unknown): string | undefined => (isScalar(key) ? String(key.value) : undefined);

/** The deepest node along `segments` below `node` (a missing key points at its parent; a repeated key at its last value, the one toJS keeps). */
export const nodeAt = (node: unknown, segments: ReadonlyArray<string | number>): Node | undefined => {
  let at = isNode(node) ? node : undefined;
  for (const s of segments) {
    let next: unknown;
    if (isMap(at)) {
      const pair = [...at.items].reverse().find((p) => scalarKey(p.key) === String(s));
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

/** The path of the key whose node starts at `offset` (yaml reports duplicate keys by offset), and the key it repeats. */
export const duplicateKeyAt = (doc: Document, source: string, offset: number): { segments: Array<string | number>; first?: Node } | undefined => {
  const walk = (node: unknown, path: Array<string | number>): { segments: Array<string | number>; first?: Node } | undefined => {
    if (isMap(node)) {
      for (const [i, p] of node.items.entries()) {
        const name = scalarKey(p.key) ?? keyText(source, p.key);
        if (isNode(p.key) && p.key.range?.[0] === offset) {
          const first = node.items.slice(0, i).find((q) => (scalarKey(q.key) ?? keyText(source, q.key)) === name)?.key;
          return { segments: [...path, name], ...(isNode(first) ? { first } : {}) };
        }
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

/** `line:column`, the way messages name a second place. */
export const placeText = (p: Position): string => `${p.line}:${p.column}`;
