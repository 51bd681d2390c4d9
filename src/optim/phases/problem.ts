// A problem with a schedule: where it is (path, phase, entry, line) and what is wrong, as data for the CLI to print.
import type { SpecProblem } from '../model-spec.js';

export type ProblemCode =
  | 'yaml-syntax'
  | 'duplicate-key'
  | 'not-a-mapping'
  | 'no-phases'
  | 'phase-key'
  | 'missing-phase'
  | 'unknown-key'
  | 'type'
  | 'reinit-on-phase-0'
  | 'no-match'
  | 'invalid-regex'
  | 'multi-phase'
  | 'needs-max-transition-epoch'
  | 'non-increasing-epoch'
  | 'prefix-match'
  | 'lr-ignored'
  | 'empty-phase'
  | 'unscheduled'
  | 'unknown-pl-lrs-key'
  | 'init-pg-lrs-count'
  | 'optimizer-in-init-args'
  | 'current-pg-lrs';

export interface PhaseProblem extends SpecProblem {
  readonly code: ProblemCode;
  /** The phase index the problem belongs to, when it belongs to one. */
  readonly phase?: number;
  /** The `params` entry as written, when the problem is about one. */
  readonly entry?: string;
  /** 1-based position in the source text, when the problem came from parsing it. */
  readonly line?: number;
  readonly column?: number;
}

/** A path segment the way a reader would write it: `params`, `[2]`, `["1.5"]`. */
export const pathOf = (segments: ReadonlyArray<string | number>): string =>
  segments
    .map((s, i) => (typeof s === 'number' ? `[${s}]` : /^[A-Za-z0-9_]+$/.test(s) ? (i === 0 ? s : `.${s}`) : `[${JSON.stringify(s)}]`))
    .join('') || '(root)';

/** Where a problem is and what is wrong: enough to print it, whichever input file it came from. */
export interface Located {
  readonly path: string;
  readonly message: string;
  readonly line?: number;
  readonly column?: number;
}

/** One line per problem, the compiler convention: `file:line:col path: message`, or `file: path: message` with no line. */
export const formatProblem = (p: Located, file = ''): string => {
  const where = p.line === undefined ? [file, p.path] : [`${file}${file ? ':' : ''}${p.line}:${p.column ?? 1}${p.path ? ` ${p.path}` : ''}`];
  return [...where.filter((w) => w !== ''), p.message].join(': ');
};
