// Decode one phase's value with io-ts, field by field, so every bad field and unknown key is reported at once.
import * as t from 'io-ts';
import * as E from 'fp-ts/lib/Either.js';
import { showValue } from '../model-spec.js';
import type { ProblemCode } from './problem.js';
import type { Phase, PhaseKey } from './schedule.js';
import { NO_MAX_TRANSITION_EPOCH, PHASE_KEYS, PhaseFieldCodecs } from './schedule.js';

/** A problem inside a phase: path segments below the phase key, for the caller to locate in the source. */
export interface FieldProblem {
  readonly segments: ReadonlyArray<string | number>;
  readonly code: ProblemCode;
  readonly message: string;
}

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === 'object' && u !== null && !Array.isArray(u);

// intersection and union members appear in io-ts contexts as keys '0', '1', ...; they are not part of the data's path
const segmentsOf = (ctx: t.Context): Array<string | number> =>
  ctx.slice(1).flatMap((c, i) => {
    const parent = ctx[i].type;
    if (parent instanceof t.IntersectionType || parent instanceof t.UnionType) return [];
    return [/^\d+$/.test(c.key) && parent instanceof t.ArrayType ? Number(c.key) : c.key];
  });

// a quoted number is the commonest way to get `lr: "1e-5"` wrong, so say so
const describe = (v: unknown): string =>
  showValue(v) + (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? ' (a string: write the number without quotes)' : '');

// the codec a reader would name at the failing place: intersection and union members stand for their whole
const expectedAt = (ctx: t.Context): string => {
  let j = ctx.length - 1;
  while (j > 0 && (ctx[j - 1].type instanceof t.IntersectionType || ctx[j - 1].type instanceof t.UnionType)) j--;
  return ctx[j]?.type.name ?? 'a value';
};

/** One problem per place and message: an intersection reports a missing value once per member. */
const fieldProblems = (key: PhaseKey, errors: t.Errors): FieldProblem[] => {
  const seen = new Set<string>();
  return errors.flatMap((e) => {
    const segments = [key, ...segmentsOf(e.context)];
    const message = e.value === undefined ? `missing: expected ${expectedAt(e.context)}` : `expected ${expectedAt(e.context)}, got ${describe(e.value)}`;
    const id = JSON.stringify([segments, message]);
    if (seen.has(id)) return [];
    seen.add(id);
    return [{ segments, code: 'type' as const, message }];
  });
};

/** The phase, with `max_transition_epoch` defaulted to -1, or every problem found in it. */
export const decodePhase = (raw: unknown, index: number): E.Either<FieldProblem[], Phase> => {
  if (!isRecord(raw)) return E.left([{ segments: [], code: 'type', message: `expected a mapping with keys ${PHASE_KEYS.join(', ')}, got ${describe(raw)}` }]);
  const problems: FieldProblem[] = [];
  const fields: Partial<Record<PhaseKey, unknown>> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (!(PHASE_KEYS as string[]).includes(key)) {
      problems.push({ segments: [key], code: 'unknown-key', message: `unknown key '${key}' (a phase has ${PHASE_KEYS.join(', ')})` });
      continue;
    }
    const k = key as PhaseKey;
    if (index === 0 && (k === 'new_optimizer' || k === 'new_lr_scheduler')) {
      problems.push({ segments: [k], code: 'reinit-on-phase-0', message: `${k} is only allowed on phases >= 1 (phase 0 uses the optimizer and lr scheduler you configured)` });
      continue;
    }
    const decoded = (PhaseFieldCodecs[k] as t.Decoder<unknown, unknown>).decode(value);
    if (E.isLeft(decoded)) problems.push(...fieldProblems(k, decoded.left));
    else fields[k] = decoded.right;
  }
  if (!('params' in raw)) problems.push({ segments: ['params'], code: 'type', message: 'missing params (a list of parameter names or patterns)' });
  if (problems.length) return E.left(problems);
  const { params, max_transition_epoch, ...rest } = fields as Partial<Phase>;
  return E.right({ params: params ?? [], max_transition_epoch: max_transition_epoch ?? NO_MAX_TRANSITION_EPOCH, ...rest });
};
