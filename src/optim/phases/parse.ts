// Read a schedule file (YAML, or JSON as a subset of it): duplicate keys are errors, every problem has a path and line.
import * as E from 'fp-ts/lib/Either.js';
import type { Document, Node } from 'yaml';
import { LineCounter, isMap, isNode, isScalar, isSeq, parseDocument } from 'yaml';
import { decodePhase } from './decode-phase.js';
import type { PhaseProblem } from './problem.js';
import { pathOf } from './problem.js';
import type { Phase, Schedule } from './schedule.js';
import { duplicateKeyAt, keyText, nodeAt, placeText, positionAt } from './yaml-source.js';

type Key = { readonly index: number } | { readonly problem: string };

/** Phase keys are written as plain decimal integers (YAML `1:` or JSON `"1":`); `1.0`, `0x1` and `01` are not. */
const phaseKey = (key: unknown, written: string): Key => {
  const text = isScalar(key) && typeof key.value === 'string' ? key.value : written;
  if (/^(0|[1-9][0-9]*)$/.test(text)) return { index: Number(text) };
  if (/^-[0-9]+$/.test(text)) return { problem: `phase key ${text} is negative: phase keys are zero-based (0, 1, 2, ...)` };
  return { problem: `phase key '${text}' is not an integer: phase keys are 0, 1, 2, ...` };
};

const missingPhases = (indices: readonly number[]): Array<{ from: number; to: number; before: number }> => {
  const sorted = [...new Set(indices)].sort((a, b) => a - b);
  return sorted.flatMap((cur, i) => {
    const from = i === 0 ? 0 : sorted[i - 1] + 1;
    return cur > from ? [{ from, to: cur - 1, before: cur }] : [];
  });
};

/** yaml's message without the position and source excerpt it may append (`... at line 3, column 1:` and the lines after). */
const firstSentence = (message: string): string => message.split('\n')[0].replace(/( at line \d+, column \d+)?:?\s*$/, '');

/** Parse schedule text into phases in index order, or every problem found (syntax errors stop the rest). */
export const parseSchedule = (source: string): E.Either<PhaseProblem[], Schedule> => {
  const lines = new LineCounter();
  const doc: Document = parseDocument(source, { uniqueKeys: true, lineCounter: lines, prettyErrors: false });
  const at = (node: Node | undefined | null) => (node?.range ? positionAt(lines, node.range[0]) : {});
  const syntax = doc.errors.filter((e) => e.code !== 'DUPLICATE_KEY');
  // the first error is the cause; yaml's later ones are mostly its consequences (a tab makes three more)
  if (syntax.length) return E.left([{ code: 'yaml-syntax', path: '', message: `not valid YAML: ${firstSentence(syntax[0].message)}`, ...positionAt(lines, syntax[0].pos[0]) }]);

  const place = (node: Node | undefined | null) => (node?.range ? placeText(positionAt(lines, node.range[0])) : '?');
  const problems: PhaseProblem[] = doc.errors.map((e) => {
    const { segments, first } = duplicateKeyAt(doc, source, e.pos[0]) ?? { segments: [] };
    const phase = /^(0|[1-9][0-9]*)$/.test(String(segments[0])) ? { phase: Number(segments[0]) } : {};
    const again = positionAt(lines, e.pos[0]);
    return { code: 'duplicate-key', path: pathOf(segments), ...phase, message: `duplicate key '${segments[segments.length - 1] ?? '?'}': first at ${place(first)}, again at ${placeText(again)} (a plain YAML loader would silently keep the last one)`, ...again };
  });
  const root = doc.contents;
  if (!isMap(root)) {
    const got = root === null || (isScalar(root) && root.value === null) ? 'an empty file' : isSeq(root) ? 'a list' : `the scalar ${keyText(source, root)}`;
    return E.left([...problems, { code: 'not-a-mapping', path: '(root)', message: `expected a mapping of phase index to phase, got ${got}`, ...at(root as Node | null) }]);
  }
  if (root.items.length === 0) return E.left([...problems, { code: 'no-phases', path: '(root)', message: 'the schedule has no phases', ...at(root) }]);

  const phases = new Map<number, Phase>();
  const seen = new Map<number, { raw: unknown; node: Node | undefined }>();
  for (const pair of root.items) {
    const keyNode = isNode(pair.key) ? (pair.key as Node) : undefined;
    const written = keyText(source, pair.key);
    const key = phaseKey(pair.key, written);
    const index = 'index' in key ? key.index : undefined;
    const name = index === undefined ? written : String(index);
    if ('problem' in key) problems.push({ code: 'phase-key', path: pathOf([written]), message: key.problem, ...at(keyNode) });
    else {
      const raw = isScalar(pair.key) ? pair.key.value : undefined;
      const earlier = seen.get(key.index);
      // yaml itself reports keys with equal values; `1` and `"1"` differ there but name the same phase
      if (earlier && earlier.raw !== raw) problems.push({ code: 'duplicate-key', path: pathOf([name]), phase: key.index, message: `phase ${key.index} is given twice (as ${keyText(source, earlier.node)} at ${place(earlier.node)} and ${written} at ${place(keyNode)})`, ...at(keyNode) });
      if (!earlier) seen.set(key.index, { raw, node: keyNode });
    }
    const value = isNode(pair.value) ? pair.value.toJS(doc) : (pair.value ?? null);
    const decoded = decodePhase(value, index ?? -1);
    if (E.isLeft(decoded)) {
      for (const p of decoded.left) {
        const entry = p.segments[0] === 'params' && typeof p.segments[1] === 'number' ? { entry: JSON.stringify(Array.isArray(value?.params) ? value.params[p.segments[1]] : null) } : {};
        problems.push({ code: p.code, path: pathOf([name, ...p.segments]), ...(index === undefined ? {} : { phase: index }), ...entry, message: p.message, ...at(nodeAt(pair.value, p.segments) ?? keyNode) });
      }
    } else if (index !== undefined) phases.set(index, decoded.right);
  }
  for (const gap of missingPhases([...seen.keys()])) {
    const which = gap.from === gap.to ? `phase ${gap.from} is` : `phases ${gap.from} to ${gap.to} are`;
    problems.push({ code: 'missing-phase', path: '(root)', message: `${which} missing: phase keys must be zero-based and contiguous (next is ${gap.before})`, ...at(seen.get(gap.before)?.node) });
  }
  if (problems.length) return E.left(problems);
  return E.right([...phases.keys()].sort((a, b) => a - b).map((k) => phases.get(k)!));
};
