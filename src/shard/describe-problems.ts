// Disjointness problems for people: what spans which phases, who owns the buffer, and what to wrap instead.
import type { DisjointnessProblem, DisjointnessResult, PhaseRef } from './disjointness-problems.js';
import { unitLabel } from './describe-layout.js';

const phaseName = (p: PhaseRef): string => (p === 'unscheduled' ? 'unscheduled' : `phase ${p}`);
const list = (ps: readonly PhaseRef[]): string => ps.map(phaseName).join(', ');

/** One problem as a paragraph; parameters one per line so none is hidden. */
export const describeProblem = (p: DisjointnessProblem): string => {
  switch (p.kind) {
    case 'unknown-parameter':
      return `assignment: '${p.param}' (phase ${p.phase}) is not a parameter of the model`;
    case 'invalid-phase':
      return `assignment: '${p.param}' has phase ${p.phase}; phases are integers >= 0`;
    case 'module-spans-phases':
      return [
        `module '${p.module}' (${p.moduleClass}) is split across ${list(p.phases)}: sharding wraps whole modules, so a module's parameters must thaw together (flat buffer of ${unitLabel(p.unit)})`,
        ...p.byPhase.map((g) => `  ${phaseName(g.phase)}: ${g.params.join(', ')}`),
      ].join('\n');
    case 'buffer-spans-phases': {
      const width = Math.max(...p.params.map((x) => x.name.length));
      const why = p.onlyWithUnscheduled
        ? `some of its parameters are in no phase ('unscheduled') while others thaw, and the buffer has one trainable flag`
        : `the buffer has one trainable flag, so all its parameters must thaw in the same phase`;
      const suggestion = p.suggestedWraps.length
        ? [`  wrap separately: ${p.suggestedWraps.map((s) => `${phaseName(s.phase)}: ${s.modules.join(', ')}`).join('; ')}`]
        : [];
      return [
        `the flat buffer of ${unitLabel(p.unit)} spans ${list(p.phases)}: ${why}. These ${p.params.length} logical parameters span phases:`,
        ...p.params.map((x) => `  ${x.name.padEnd(width)}  ${phaseName(x.phase)}  (buffer of ${unitLabel(p.unit)})`),
        `  hint: ${p.hint}`,
        ...suggestion,
      ].join('\n');
    }
    case 'phase0-unwrapped':
      return p.params.length === 0
        ? 'phase 0 thaws no parameter: it must thaw at least one wrapped unit, or the first optimizer holds no sharded buffer'
        : [
            `phase 0 thaws no wrapped unit: all its parameters live in the root unit, so the first optimizer would hold no sharded buffer; wrap at least one module of phase 0:`,
            ...p.params.map((x) => `  ${x.name}  (buffer of ${unitLabel(x.unit)})`),
          ].join('\n');
  }
};

/** The whole result: a verdict line, then every problem. */
export const describeProblems = (result: DisjointnessResult): string =>
  result.ok
    ? `phases are disjoint over the flat units (${result.mode} flags)`
    : [`${result.problems.length} problem${result.problems.length === 1 ? '' : 's'} with the phases over the flat units (${result.mode} flags):`, ...result.problems.map(describeProblem)].join('\n\n');
