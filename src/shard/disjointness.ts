// Can these phases thaw these sharded units? FTS's FSDP checks: module level, flat level (with and without unscheduled), phase 0.
import type { ModelSpec, ParamSpec } from '../optim/model-spec.js';
import type { BadAssignment, BufferSpansPhases, DisjointnessProblem, DisjointnessResult, FlagMode, ModuleSpansPhases, Phase0Unwrapped, PhaseRef } from './disjointness-problems.js';
import { comparePhases, ROOT_HINT } from './disjointness-problems.js';
import { unitLabel } from './describe-layout.js';
import type { Unit } from './units.js';
import { isRootUnit, unitIndex } from './units.js';
import { suggestWraps } from './wrap-suggestions.js';

/** Parameter name -> phase; a parameter absent from it is unscheduled. */
export type PhaseAssignment = Readonly<Record<string, number>>;

const groupBy = <A, K>(xs: readonly A[], key: (a: A) => K): Map<K, A[]> => {
  const out = new Map<K, A[]>();
  for (const x of xs) out.set(key(x), [...(out.get(key(x)) ?? []), x]);
  return out;
};

/** Entries naming no parameter or no valid phase; the rest is the usable assignment. */
const splitAssignment = (spec: ModelSpec, assignment: PhaseAssignment): { bad: BadAssignment[]; phases: Map<string, number> } => {
  const known = new Set(spec.parameters.map((p) => p.name));
  const bad: BadAssignment[] = [];
  const phases = new Map<string, number>();
  for (const [param, phase] of Object.entries(assignment)) {
    if (!known.has(param)) bad.push({ kind: 'unknown-parameter', param, phase });
    else if (!Number.isInteger(phase) || phase < 0) bad.push({ kind: 'invalid-phase', param, phase });
    else phases.set(param, phase);
  }
  return { bad, phases };
};

/** Check 1: a module's own parameters (it is their direct owner) thaw in one scheduled phase. */
const moduleLevel = (spec: ModelSpec, unitOf: Map<string, Unit>, phases: Map<string, number>): ModuleSpansPhases[] =>
  [...groupBy(spec.parameters.filter((p) => phases.has(p.name)), (p) => p.module)].flatMap(([module, params]) => {
    const byPhase = [...groupBy(params, (p) => phases.get(p.name)!)].sort(([a], [b]) => a - b).map(([phase, ps]) => ({ phase, params: ps.map((p) => p.name) }));
    if (byPhase.length < 2) return [];
    const unit = unitOf.get(params[0].name);
    return [{ kind: 'module-spans-phases' as const, module, moduleClass: spec.modules.find((m) => m.name === module)?.class ?? '?', unit: { name: unit?.name ?? '?', class: unit?.class ?? '?' }, phases: byPhase.map((g) => g.phase), byPhase }];
  });

/** For each phase, every parameter sharing a flat buffer with one of its parameters: the phases that reach each parameter. */
const reachingPhases = (spec: ModelSpec, unitOf: Map<string, Unit>, phaseOf: (p: string) => PhaseRef, withUnscheduled: boolean): Map<string, Set<PhaseRef>> => {
  const reach = new Map<string, Set<PhaseRef>>();
  for (const p of spec.parameters) {
    const phase = phaseOf(p.name);
    if (phase === 'unscheduled' && !withUnscheduled) continue;
    for (const q of unitOf.get(p.name)?.params ?? []) reach.set(q, (reach.get(q) ?? new Set()).add(phase));
  }
  return reach;
};

/** Checks 2 and 3, reported as check 3 (a superset of check 2), one problem per unit listing all its parameters. */
const flatLevel = (spec: ModelSpec, units: readonly Unit[], unitOf: Map<string, Unit>, phaseOf: (p: string) => PhaseRef): BufferSpansPhases[] => {
  const check2 = reachingPhases(spec, unitOf, phaseOf, false);
  const check3 = reachingPhases(spec, unitOf, phaseOf, true);
  return units.flatMap((unit) => {
    const spanning = unit.params.filter((p) => (check3.get(p)?.size ?? 0) > 1);
    if (spanning.length === 0) return [];
    // all parameters of a buffer are reached from the same phases, so the first one speaks for the unit
    const phases = [...check3.get(spanning[0])!].sort(comparePhases);
    const root = isRootUnit(unit);
    const hint = root ? ROOT_HINT : `the modules flattened into ${unitLabel(unit)} thaw in different phases; ${ROOT_HINT}`;
    return [{
      kind: 'buffer-spans-phases' as const,
      unit: { name: unit.name, class: unit.class },
      root,
      phases,
      onlyWithUnscheduled: (check2.get(spanning[0])?.size ?? 0) < 2,
      params: spanning.map((name) => ({ name, phase: phaseOf(name) })),
      suggestedWraps: suggestWraps(spec, unit, phaseOf),
      hint,
    }];
  });
};

/**
 * Phase 0 must put some sharded buffer in the first optimizer. Flat flags: a phase-0 parameter must live in a unit other
 * than the root (FTS asks that a module owning a phase-0 parameter be wrapped); once the flat checks pass, that unit is
 * wholly in phase 0. Per-parameter flags: any phase-0 parameter in any unit will do, the root unit included, since each
 * parameter is sharded on its own flag; only an empty phase 0 fails.
 * FTS (speediedan/finetuning-scheduler@ceae3f0, strategy_adapters/fsdp.py:574):
 * `has_flattened = inspect_flattened(*mod_cfg) if not self._allow_mixed_req_grad else inspect_flattened(*param_cfg)`,
 * where param_cfg asks only that some phase-0 parameter be FSDP-managed (`_is_fsdp_flattened`), which the root unit is.
 */
const phase0Wrapped = (spec: ModelSpec, unitOf: Map<string, Unit>, phases: Map<string, number>, mode: FlagMode): Phase0Unwrapped[] => {
  const phase0 = spec.parameters.filter((p: ParamSpec) => phases.get(p.name) === 0);
  const unitRef = (name: string) => {
    const u = unitOf.get(name);
    return { name: u?.name ?? '?', class: u?.class ?? '?' };
  };
  const sharded = (u: Unit | undefined) => u !== undefined && (mode === 'per-parameter' || !isRootUnit(u));
  if (phase0.some((p) => sharded(unitOf.get(p.name)))) return [];
  return [{ kind: 'phase0-unwrapped', params: phase0.map((p) => ({ name: p.name, unit: unitRef(p.name) })) }];
};

/**
 * Every problem with thawing `assignment`'s phases over `units` (from `flatUnits(spec, policy)`), all at once.
 * 'flat' mode runs checks 1, 2/3 and phase 0; 'per-parameter' mode lifts checks 2/3, keeps check 1, and asks of phase 0
 * only that it thaw some parameter (FTS with use_orig_params=True).
 */
export const checkDisjointness = (spec: ModelSpec, units: readonly Unit[], assignment: PhaseAssignment, options: { readonly mode?: FlagMode } = {}): DisjointnessResult => {
  const mode = options.mode ?? 'flat';
  const { bad, phases } = splitAssignment(spec, assignment);
  const unitOf = unitIndex(units);
  const phaseOf = (p: string): PhaseRef => phases.get(p) ?? 'unscheduled';
  const problems: DisjointnessProblem[] = [
    ...bad,
    ...moduleLevel(spec, unitOf, phases),
    ...(mode === 'flat' ? flatLevel(spec, units, unitOf, phaseOf) : []),
    ...phase0Wrapped(spec, unitOf, phases, mode),
  ];
  return { ok: problems.length === 0, mode, problems };
};
