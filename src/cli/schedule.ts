// `graft schedule validate | explain | generate`: phase schedules checked against a model spec and,
// with a wrap policy, against the flat units sharding will create.
import * as E from 'fp-ts/lib/Either.js';
import type { ModelSpec } from '../optim/model-spec.js';
import { decodeModelSpec } from '../optim/model-spec.js';
import type { PhaseProblem, Schedule, ScheduleCheck } from '../optim/phases/index.js';
import { describeExplain, formatProblem, generateSchedule, parseSchedule, printSchedule, problemLocator, validateSchedule } from '../optim/phases/index.js';
import type { DisjointnessResult, UnitLayout, WrapPolicy } from '../shard/index.js';
import { checkDisjointness, decodeWrapPolicy, describeProblems, flatUnits, policyAgainstSpec, shapesOf, shardLayout, unitLabel } from '../shard/index.js';
import type { FileProblem } from './files.js';
import { formatFileProblem, readJson, readText, writeAtomically } from './files.js';

export interface ScheduleOptions {
  readonly model: string;
  readonly wrap?: string;
  readonly worldSize?: number;
  readonly perParameter?: boolean;
  readonly epochTransitionsOnly?: boolean;
  readonly json?: boolean;
}

type Out = (line: string) => void;

const fileProblems = <A>(file: string, e: E.Either<ReadonlyArray<{ path: string; message: string }>, A>): E.Either<FileProblem[], A> =>
  E.mapLeft((ps: ReadonlyArray<{ path: string; message: string }>) => ps.map((p) => ({ file, path: p.path, message: p.message })))(e);

const phaseProblem = (file: string) => (p: PhaseProblem): FileProblem => ({ file, path: p.path, message: p.message, ...(p.line === undefined ? {} : { line: p.line, column: p.column }) });

/** Read and decode every input first, collecting the problems of all files before any check runs. */
const loadInputs = (schedulePath: string | undefined, o: ScheduleOptions) => {
  const spec = E.chain((raw: unknown) => fileProblems(o.model, decodeModelSpec(raw)))(readJson(o.model));
  const text = schedulePath === undefined ? E.right('') : readText(schedulePath);
  const schedule = schedulePath === undefined ? E.right(undefined) : E.chain((source: string) => E.mapLeft((ps: PhaseProblem[]) => ps.map(phaseProblem(schedulePath)))(parseSchedule(source)))(text);
  const policy = o.wrap === undefined ? E.right(undefined) : E.chain((raw: unknown) => fileProblems(o.wrap!, decodeWrapPolicy(raw)))(readJson(o.wrap));
  const worldSize = o.worldSize === undefined || (Number.isInteger(o.worldSize) && o.worldSize >= 1) ? E.right(o.worldSize) : E.left([{ file: '--world-size', path: '(option)', message: `expected a whole number >= 1, got ${o.worldSize}` }]);
  const problems = [spec, schedule, policy, worldSize].flatMap((x) => (E.isLeft(x) ? x.left : []));
  if (E.isRight(spec) && E.isRight(policy) && policy.right) problems.push(...policyAgainstSpec(spec.right, policy.right).problems.map((p) => ({ file: o.wrap!, ...p })));
  return problems.length ? E.left(problems) : E.right({ spec: (spec as E.Right<ModelSpec>).right, schedule: (schedule as E.Right<Schedule | undefined>).right, source: (text as E.Right<string>).right, policy: (policy as E.Right<WrapPolicy | undefined>).right });
};

interface Report {
  readonly check: ScheduleCheck;
  readonly disjointness?: DisjointnessResult;
  readonly layout?: readonly UnitLayout[];
  readonly policyNotices: readonly string[];
}

const analyse = (spec: ModelSpec, schedule: Schedule, source: string, policy: WrapPolicy | undefined, o: ScheduleOptions): Report => {
  const checked = validateSchedule(schedule, spec, { epochTransitionsOnly: o.epochTransitionsOnly });
  // validation knows paths; the source text adds the line of each, as parsing problems have
  const locate = problemLocator(source);
  const check = { ...checked, errors: checked.errors.map(locate), warnings: checked.warnings.map(locate), notices: checked.notices.map(locate) };
  if (!policy) return { check, policyNotices: [] };
  const units = flatUnits(spec, policy);
  const disjointness = checkDisjointness(spec, units, check.assignment, { mode: o.perParameter ? 'per-parameter' : 'flat' });
  const layout = o.worldSize === undefined ? undefined : E.getOrElseW(() => undefined)(shardLayout(units, shapesOf(spec), o.worldSize));
  return { check, disjointness, layout, policyNotices: policyAgainstSpec(spec, policy).notices };
};

const count = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;

const ok = (r: Report) => r.check.errors.length === 0 && (r.disjointness?.ok ?? true);

const printReport = (r: Report, schedulePath: string, out: Out, explain: boolean) => {
  for (const p of r.check.errors) out(`error: ${formatProblem(p, schedulePath)}`);
  for (const p of r.check.warnings) out(`warning: ${formatProblem(p, schedulePath)}`);
  for (const p of r.check.notices) out(`notice: ${formatProblem(p, schedulePath)}`);
  for (const n of r.policyNotices) out(`notice: wrap policy: ${n}`);
  if (r.disjointness && !r.disjointness.ok) out(describeProblems(r.disjointness));
  if (explain) out(describeExplain(r.check.explain));
  if (r.layout) for (const l of r.layout) out(`${unitLabel({ name: l.unit, class: l.class })}: ${l.numel} elements, ${l.chunk} per rank over ${l.worldSize} ranks (${l.padding} padding)`);
  const counts = r.check.phases.map((p) => p.params.length);
  const phases = counts.length <= 12 ? `parameters per phase ${counts.join(', ')}` : `${counts.reduce((a, b) => a + b, 0)} parameters scheduled`;
  out(ok(r) ? `valid: ${count(r.check.phases.length, 'phase')} (${phases})${r.disjointness ? `; phases are disjoint over ${r.layout?.length ?? 'the'} flat units` : ''}` : `invalid: ${count(r.check.errors.length + (r.disjointness?.problems.length ?? 0), 'problem')}`);
};

/** validate and explain: exit code 0 when valid (warnings and notices included), 1 with problems (unreadable inputs included). */
export const runScheduleCheck = (schedulePath: string, o: ScheduleOptions, explain: boolean, out: Out = console.log): number => {
  const inputs = loadInputs(schedulePath, o);
  if (E.isLeft(inputs)) {
    if (o.json) out(JSON.stringify({ ok: false, inputProblems: inputs.left }));
    else inputs.left.forEach((p) => out(`error: ${formatFileProblem(p)}`));
    return 1;
  }
  const { spec, schedule, source, policy } = inputs.right;
  const report = analyse(spec, schedule!, source, policy, o);
  if (o.json) out(JSON.stringify({ ok: ok(report), errors: report.check.errors, warnings: report.check.warnings, notices: report.check.notices, explain: explain ? report.check.explain : undefined, assignment: report.check.assignment, disjointness: report.disjointness, layout: report.layout, policyNotices: report.policyNotices }));
  else printReport(report, schedulePath, out, explain);
  return ok(report) ? 0 : 1;
};

/** generate: the implicit schedule (reversed parameters, two per phase), to a file or stdout. */
export const runScheduleGenerate = (o: { model: string; out?: string; baseMaxLr?: number; json?: boolean }, out: Out = console.log): number => {
  const inputs = loadInputs(undefined, { model: o.model });
  if (E.isLeft(inputs)) {
    inputs.left.forEach((p) => out(`error: ${formatFileProblem(p)}`));
    return 1;
  }
  const schedule = generateSchedule(inputs.right.spec, { baseMaxLr: o.baseMaxLr });
  const text = printSchedule(schedule, [`generated by graft schedule generate from ${o.model}`]);
  if (o.out) {
    writeAtomically(o.out, text);
    out(o.json ? JSON.stringify({ ok: true, file: o.out, phases: schedule.length }) : `wrote ${schedule.length} phases to ${o.out}`);
  } else out(o.json ? JSON.stringify({ ok: true, schedule }) : text);
  return 0;
};
