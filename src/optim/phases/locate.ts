// Problems found after parsing (a regex that does not compile, an entry that matches nothing) carry only a path;
// the source text gives them the line and column a reader needs, like the problems found while parsing.
import { LineCounter, parseDocument } from 'yaml';
import type { PhaseProblem } from './problem.js';
import { nodeAt, positionAt } from './yaml-source.js';

/** `0.params[1]` -> [0, 'params', 1]: the inverse of `pathOf` for the paths validation writes. */
const segmentsOf = (path: string): Array<string | number> =>
  [...path.matchAll(/\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]|([^.[\]]+)/g)].map((m) => (m[1] !== undefined ? Number(m[1]) : m[2] !== undefined ? (JSON.parse(`"${m[2]}"`) as string) : m[3]));

/** A function adding `line` and `column` to problems that lack them, from the schedule's source text. */
export const problemLocator = (source: string): ((p: PhaseProblem) => PhaseProblem) => {
  const lines = new LineCounter();
  const doc = parseDocument(source, { lineCounter: lines, prettyErrors: false });
  return (p) => {
    if (p.line !== undefined || p.path === '(root)') return p;
    const node = nodeAt(doc.contents, segmentsOf(p.path));
    return node?.range && node !== doc.contents ? { ...p, ...positionAt(lines, node.range[0]) } : p;
  };
};
