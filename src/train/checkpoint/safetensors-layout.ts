// The data section: tensors must tile it exactly, from byte 0 to its end, without gaps or overlaps.
import type { Problem } from './problem.js';
import { problemAt } from './problem.js';

/** Every gap, overlap, out-of-range range and uncovered tail; a file cut short is one problem, not one per tensor. */
export const layoutProblems = (entries: ReadonlyArray<readonly [string, { readonly begin: number; readonly end: number }]>, dataLength: number): Problem[] => {
  const sorted = [...entries].sort(([, a], [, b]) => a.begin - b.begin || a.end - b.end);
  const problems: Problem[] = [];
  let covered = 0;
  let last = '';
  for (const [name, { begin, end }] of sorted) {
    const at = ['header', name, 'data_offsets'];
    if (begin > covered) problems.push(problemAt(at, `[${begin}, ${end}] leaves a gap: data bytes [${covered}, ${begin}) belong to no tensor`));
    if (begin < covered) problems.push(problemAt(at, `[${begin}, ${end}] overlaps '${last}', which ends at ${covered}`));
    if (end >= covered) [covered, last] = [end, name];
  }
  const beyond = sorted.filter(([, e]) => e.end > dataLength);
  if (beyond.length && problems.length === 0) {
    return [problemAt(['data'], `truncated: the tensors need ${covered} bytes of data after the header, the file holds ${dataLength} (${covered - dataLength} missing)`)];
  }
  problems.push(...beyond.map(([name, { begin, end }]) => problemAt(['header', name, 'data_offsets'], `[${begin}, ${end}] runs past the end of the data (${dataLength} bytes)`)));
  if (covered < dataLength) problems.push(problemAt(['data'], `${dataLength - covered} bytes after the last tensor (from ${covered}) belong to no tensor`));
  return problems;
};
