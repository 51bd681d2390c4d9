// Check a schedule against a model: what each entry matched, which phase owns each parameter, every error and notice.
import * as E from 'fp-ts/lib/Either.js';
import type { ModelSpec } from '../model-spec.js';
import type { EntryMatch } from './match.js';
import { matchEntry, unanchoredMatches } from './match.js';
import type { PhaseProblem } from './problem.js';
import type { LrSchedulerReinit, OptimizerReinit, Schedule } from './schedule.js';
import { reinitNotices, reinitWarnings } from './reinit-checks.js';

export interface ValidateOptions {
  /** Phases change only by epoch: every phase then needs max_transition_epoch >= 0. */
  readonly epochTransitionsOnly?: boolean;
}

/** One `params` entry and what it matched, so a surprising prefix match is visible. */
export interface EntryExplain extends EntryMatch {
  readonly phase: number;
  readonly index: number;
  readonly entry: string;
}

/** A phase with its entries expanded to parameter names (entry order, then model order, no repeats). */
export interface ResolvedPhase {
  readonly index: number;
  readonly params: readonly string[];
  readonly maxTransitionEpoch: number;
  readonly lr?: number;
  readonly newOptimizer?: OptimizerReinit;
  readonly newLrScheduler?: LrSchedulerReinit;
}

export interface ScheduleCheck {
  readonly errors: readonly PhaseProblem[];
  /** What FTS warns about: likely mistakes that are ignored, never a reason to refuse the schedule. */
  readonly warnings: readonly PhaseProblem[];
  /** Information: what FTS logs, and what graft adds to explain a schedule. */
  readonly notices: readonly PhaseProblem[];
  readonly explain: readonly EntryExplain[];
  readonly phases: readonly ResolvedPhase[];
  /** Parameter name -> the (first) phase that thaws it; parameters in no phase are absent. */
  readonly assignment: Readonly<Record<string, number>>;
}

const list = (names: readonly string[], max = 10): string =>
  names.slice(0, max).map((n) => `'${n}'`).join(', ') + (names.length > max ? ` and ${names.length - max} more` : '');

const at = (phase: number, index: number, entry: string) => ({ path: `${phase}.params[${index}]`, phase, entry });

const entryErrors = (e: EntryExplain, names: readonly string[]): PhaseProblem[] => {
  if (e.as === 'invalid-regex')
    return [{ code: 'invalid-regex', ...at(e.phase, e.index, e.entry), message: `entry '${e.entry}' of phase ${e.phase} is not a parameter name and not a valid regular expression: ${e.error}` }];
  if (e.matches.length > 0) return [];
  const inside = unanchoredMatches(e.entry, names);
  const hint = inside.length ? `; it occurs inside ${list(inside, 3)}, but entries match from the start of a name` : '';
  return [{ code: 'no-match', ...at(e.phase, e.index, e.entry), message: `entry '${e.entry}' of phase ${e.phase} matches no parameter (tried as an exact name, then as a regex at the start of each name)${hint}` }];
};

const prefixNotice = (e: EntryExplain): PhaseProblem[] => {
  const prefixOnly = e.matches.filter((m) => m.how === 'prefix').map((m) => m.name);
  if (!prefixOnly.length) return [];
  return [{ code: 'prefix-match', ...at(e.phase, e.index, e.entry), message: `regex entry '${e.entry}' of phase ${e.phase} matches ${prefixOnly.length} parameter(s) only at the start of the name, not the whole name: ${list(prefixOnly)}` }];
};

/** Parameters claimed by more than one phase, one error per distinct set of claims (a broad regex can claim hundreds). */
const multiPhaseErrors = (claims: ReadonlyMap<string, ReadonlyArray<{ phase: number; index: number; entry: string }>>): PhaseProblem[] => {
  const byClaims = new Map<string, { names: string[]; claims: ReadonlyArray<{ phase: number; index: number; entry: string }> }>();
  for (const [name, cs] of claims) {
    if (new Set(cs.map((c) => c.phase)).size < 2) continue;
    const key = JSON.stringify(cs);
    const group = byClaims.get(key) ?? { names: [], claims: cs };
    group.names.push(name);
    byClaims.set(key, group);
  }
  const problems = [...byClaims.values()].map(({ names, claims: cs }) => {
    const phases = [...new Set(cs.map((c) => c.phase))];
    const each = phases.map((p) => `phase ${p} (${cs.filter((c) => c.phase === p).map((c) => `'${c.entry}'`).join(', ')})`);
    const who = `${each.slice(0, -1).join(', ')} and ${each[each.length - 1]}`;
    const second = cs.find((c) => c.phase === phases[1])!;
    return { code: 'multi-phase' as const, ...at(second.phase, second.index, second.entry), message: `${names.length === 1 ? 'parameter' : `${names.length} parameters`} ${list(names)} ${names.length === 1 ? 'is' : 'are'} named by ${who}; a parameter may be thawed by one phase only` };
  });
  return problems.sort((a, b) => a.phase - b.phase || a.path.localeCompare(b.path, 'en', { numeric: true }));
};

// fts_supporters.py:920 warns about an lr on phase 0 (graft for any lr, FTS for a non-zero one)
const phaseWarnings = (schedule: Schedule): PhaseProblem[] => [
  ...(schedule[0]?.lr === undefined ? [] : [{ code: 'lr-ignored' as const, path: '0.lr', phase: 0, message: `lr ${schedule[0].lr} on phase 0 is ignored: phase 0 uses the optimizer you configured` }]),
  ...reinitWarnings(schedule),
];

const phaseNotices = (schedule: Schedule): PhaseProblem[] =>
  schedule.flatMap((p, k) => {
    const notes: PhaseProblem[] = [];
    if (p.params.length === 0) notes.push({ code: 'empty-phase', path: `${k}.params`, phase: k, message: `phase ${k} has no params: it thaws nothing` });
    // fts_supporters.py:615 `if 0 <= curr_max_epoch <= max_epoch_wm:`, the highest earlier epoch (FTS leaves phase 0 out of it)
    const earlier = schedule.slice(0, k).map((q, j) => ({ j, epoch: q.max_transition_epoch })).reduce((a, b) => (b.epoch > a.epoch ? b : a), { j: -1, epoch: -1 });
    if (earlier.epoch >= 0 && p.max_transition_epoch >= 0 && p.max_transition_epoch <= earlier.epoch)
      notes.push({ code: 'non-increasing-epoch', path: `${k}.max_transition_epoch`, phase: k, message: `max_transition_epoch ${p.max_transition_epoch} of phase ${k} is not greater than phase ${earlier.j}'s (${earlier.epoch}): phase ${k} may run a single epoch` });
    return notes;
  });

/** Expand every entry against the model and report every error and notice at once. */
export const validateSchedule = (schedule: Schedule, spec: ModelSpec, options: ValidateOptions = {}): ScheduleCheck => {
  const names = spec.parameters.map((p) => p.name);
  const exact = new Set(names);
  const explain: EntryExplain[] = schedule.flatMap((p, phase) => p.params.map((entry, index) => ({ phase, index, entry, ...matchEntry(entry, names, exact) })));
  const claims = new Map<string, Array<{ phase: number; index: number; entry: string }>>();
  for (const e of explain) for (const m of e.matches) (claims.get(m.name) ?? claims.set(m.name, []).get(m.name)!).push({ phase: e.phase, index: e.index, entry: e.entry });

  const assignment: Record<string, number> = {};
  for (const [name, cs] of claims) assignment[name] = cs[0].phase;
  const phases: ResolvedPhase[] = schedule.map((p, index) => ({
    index,
    params: [...new Set(explain.filter((e) => e.phase === index).flatMap((e) => e.matches.map((m) => m.name)))].filter((n) => assignment[n] === index),
    maxTransitionEpoch: p.max_transition_epoch,
    ...(p.lr === undefined ? {} : { lr: p.lr }),
    ...(p.new_optimizer === undefined ? {} : { newOptimizer: p.new_optimizer }),
    ...(p.new_lr_scheduler === undefined ? {} : { newLrScheduler: p.new_lr_scheduler }),
  }));

  const epochErrors: PhaseProblem[] = options.epochTransitionsOnly
    ? schedule.flatMap((p, k) => (p.max_transition_epoch >= 0 ? [] : [{ code: 'needs-max-transition-epoch' as const, path: `${k}.max_transition_epoch`, phase: k, message: `phase ${k} has no max_transition_epoch (>= 0), which epoch_transitions_only needs: without early stopping it would never end` }]))
    : [];
  const unscheduled = names.filter((n) => !(n in assignment));
  const errors = [...explain.flatMap((e) => entryErrors(e, names)), ...multiPhaseErrors(claims), ...epochErrors];
  const notices = [
    ...phaseNotices(schedule),
    ...reinitNotices(schedule),
    ...explain.flatMap(prefixNotice),
    ...(unscheduled.length ? [{ code: 'unscheduled' as const, path: '(root)', message: `${unscheduled.length} parameter(s) appear in no phase and stay frozen: ${list(unscheduled)}` }] : []),
  ];
  return { errors, warnings: phaseWarnings(schedule), notices, explain, phases, assignment };
};

/** The check when it has no errors, else the errors: for callers that stop on a bad schedule. */
export const checkSchedule = (schedule: Schedule, spec: ModelSpec, options: ValidateOptions = {}): E.Either<readonly PhaseProblem[], ScheduleCheck> => {
  const check = validateSchedule(schedule, spec, options);
  return check.errors.length ? E.left(check.errors) : E.right(check);
};
