// Sharding laws: a flat layout tiles its buffer, and the disjointness validator agrees with a brute-force oracle.
import fc from 'fast-check';
import type { ModelSpec, ModuleSpec, ParamSpec } from '../src/optim/model-spec.js';
import type { FlagMode, PhaseAssignment, UnitLayout, WrapPolicy } from '../src/shard/index.js';
import { checkDisjointness, flatUnits } from '../src/shard/index.js';

export interface ShardCase {
  readonly spec: ModelSpec;
  readonly policy: WrapPolicy;
  readonly assignment: PhaseAssignment;
}

const MAX_MODULES = 6;
const MAX_PARAMS = 2; // per module, root included
const phase = fc.constantFrom(-1, 0, 0, 1, 2); // -1: unscheduled; phase 0 twice as likely, so it often holds a wrapped unit
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Small random models (a tree of up to 6 modules under the root, 0-2 parameters each), wrap policies (classes, name
 * patterns, overrides) and phase assignments: mostly one phase per module, sometimes a parameter on its own.
 */
export const arbShardCase: fc.Arbitrary<ShardCase> = fc
  .record({
    parents: fc.array(fc.nat(), { minLength: 1, maxLength: MAX_MODULES }),
    classes: fc.array(fc.constantFrom('A', 'B', 'C'), { minLength: MAX_MODULES, maxLength: MAX_MODULES }),
    counts: fc.array(fc.integer({ min: 0, max: MAX_PARAMS }), { minLength: MAX_MODULES + 1, maxLength: MAX_MODULES + 1 }),
    shapes: fc.array(fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }), { minLength: MAX_PARAMS, maxLength: MAX_PARAMS }),
    modulePhase: fc.array(phase, { minLength: MAX_MODULES + 1, maxLength: MAX_MODULES + 1 }),
    paramPhase: fc.array(fc.oneof({ arbitrary: fc.constant(null), weight: 8 }, { arbitrary: phase, weight: 1 }), { minLength: (MAX_MODULES + 1) * MAX_PARAMS, maxLength: (MAX_MODULES + 1) * MAX_PARAMS }),
    wrapClasses: fc.subarray(['A', 'B', 'C']),
    patterns: fc.array(fc.record({ module: fc.nat(), form: fc.constantFrom('exact', 'subtree', 'leaf') }), { maxLength: 2 }),
    wrap: fc.array(fc.nat(), { maxLength: 2 }),
    exclude: fc.array(fc.nat(), { maxLength: 2 }),
    byUnit: fc.boolean(),
  })
  .map((g) => {
    const modules: ModuleSpec[] = [{ name: '', class: 'Model' }];
    g.parents.forEach((p, i) => {
      const parent = (p % (i + 1)) - 1; // -1: the root
      modules.push({ name: parent < 0 ? `m${i}` : `${modules[parent + 1].name}.m${i}`, class: g.classes[i] });
    });
    const parameters: ParamSpec[] = modules.flatMap((m, i) =>
      Array.from({ length: g.counts[i] }, (_, j) => ({ name: m.name ? `${m.name}.p${j}` : `p${j}`, shape: g.shapes[j], module: m.name })),
    );
    const named = modules.slice(1).map((m) => m.name);
    const pick = (n: number) => named[n % named.length];
    const patterns = g.patterns.map(({ module, form }) => {
      const name = pick(module);
      return form === 'exact' ? escape(name) : form === 'subtree' ? `${escape(name)}(\\..*)?` : `.*${escape(name.split('.').pop()!)}`;
    });
    const wrap = [...new Set(g.wrap.map(pick))];
    const exclude = [...new Set(g.exclude.map(pick))].filter((n) => !wrap.includes(n));
    const spec = { modules, parameters };
    const policy = { classes: g.wrapClasses, names: patterns, overrides: { wrap, exclude } };
    // half the cases draw one phase per unit (so many pass), half one per owning module (so units often split)
    const unitOf = unitByWalk(spec, policy);
    const assignment: Record<string, number> = {};
    parameters.forEach((p, k) => {
      const group = g.byUnit ? unitOf(p) : p.module;
      const ph = g.paramPhase[k] ?? g.modulePhase[modules.findIndex((m) => m.name === group)];
      if (ph >= 0) assignment[p.name] = ph;
    });
    return { spec, policy, assignment };
  });

export interface OracleVerdict {
  readonly ok: boolean;
  /** Parameters whose unit holds parameters of two phases ('unscheduled' counting as one). */
  readonly spanning: readonly string[];
  /** Modules whose own parameters sit in two scheduled phases. */
  readonly splitModules: readonly string[];
  readonly phase0Wrapped: boolean;
}

/** A parameter's unit by brute force: walk its owner up the dotted name to the first wrapped module, else the root ''. */
const unitByWalk = (spec: ModelSpec, policy: WrapPolicy): ((p: ParamSpec) => string) => {
  const byName = new Map(spec.modules.map((m) => [m.name, m]));
  const wrapped = (name: string): boolean => {
    const m = byName.get(name);
    if (!m || name === '') return false;
    if (policy.overrides?.wrap?.includes(name)) return true;
    if (policy.overrides?.exclude?.includes(name)) return false;
    return (policy.classes ?? []).includes(m.class) || (policy.names ?? []).some((src) => new RegExp(`^(?:${src})$`).test(name));
  };
  return (p) => {
    for (let at = p.module; at !== ''; at = at.includes('.') ? at.slice(0, at.lastIndexOf('.')) : '') if (wrapped(at)) return at;
    return '';
  };
};

/** The checks by brute force: every pair of parameters sharing a unit or a module must agree on its phase. */
export const disjointnessOracle = ({ spec, policy, assignment }: ShardCase, mode: FlagMode = 'flat'): OracleVerdict => {
  const unitOf = unitByWalk(spec, policy);
  const phaseOf = (p: ParamSpec): number | 'unscheduled' => (p.name in assignment ? assignment[p.name] : 'unscheduled');
  const ps = spec.parameters;
  const spanning = ps.filter((p) => ps.some((q) => unitOf(q) === unitOf(p) && phaseOf(q) !== phaseOf(p))).map((p) => p.name);
  const splitModules = [...new Set(ps.filter((p) => ps.some((q) => q.module === p.module && p.name in assignment && q.name in assignment && phaseOf(q) !== phaseOf(p))).map((p) => p.module))];
  // per-parameter flags (FTS's use_orig_params=True) need only some phase-0 parameter in some unit, the root included
  const phase0Wrapped = ps.some((p) => phaseOf(p) === 0 && (mode === 'per-parameter' || unitOf(p) !== ''));
  const ok = (mode === 'per-parameter' || spanning.length === 0) && splitModules.length === 0 && phase0Wrapped;
  return { ok, spanning, splitModules, phase0Wrapped };
};

const sameSet = (what: string, got: readonly string[], want: readonly string[]): string[] =>
  [...got].sort().join('|') === [...want].sort().join('|') ? [] : [`${what}: validator says [${[...got].sort()}], oracle says [${[...want].sort()}]`];

/** Problems with the validator on one case, in both flag modes; empty when it agrees with the oracle everywhere. */
export const disjointnessLaws = (c: ShardCase): string[] => {
  const units = flatUnits(c.spec, c.policy);
  return (['flat', 'per-parameter'] as const).flatMap((mode) => {
    const got = checkDisjointness(c.spec, units, c.assignment, { mode });
    const want = disjointnessOracle(c, mode);
    const of = <K extends string>(kind: K) => got.problems.filter((p) => p.kind === kind) as Extract<typeof got.problems[number], { kind: K }>[];
    return [
      ...(got.ok === want.ok ? [] : [`${mode}: validator ok = ${got.ok}, oracle ok = ${want.ok}`]),
      ...sameSet(`${mode}: parameters spanning phases`, of('buffer-spans-phases').flatMap((p) => p.params.map((x) => x.name)), mode === 'flat' ? want.spanning : []),
      ...sameSet(`${mode}: split modules`, of('module-spans-phases').map((p) => p.module), want.splitModules),
      ...(of('phase0-unwrapped').length === (want.phase0Wrapped ? 0 : 1) ? [] : [`${mode}: phase-0 problem reported = ${of('phase0-unwrapped').length}, oracle: phase 0 wrapped = ${want.phase0Wrapped}`]),
    ];
  });
};

/** Problems with one unit's layout: the ranks' pieces must tile [0, N) exactly, in order, with padding < W. */
export const layoutLaws = (layout: UnitLayout): string[] => {
  const problems: string[] = [];
  const { numel: N, chunk: c, worldSize: W } = layout;
  if (c !== Math.ceil(N / W)) problems.push(`chunk ${c} != ceil(${N} / ${W})`);
  if (!(layout.padding >= 0 && layout.padding < W)) problems.push(`padding ${layout.padding} not in [0, ${W})`);
  if (c * W !== N + layout.padding) problems.push(`${W} chunks of ${c} != ${N} + padding ${layout.padding}`);
  // walk every rank's pieces in rank order, then position within the rank: they must cover 0, 1, ..., N-1 once each
  let next = 0;
  for (const r of layout.ranks) {
    if (r.end - r.start + r.padding !== c) problems.push(`rank ${r.rank}: ${r.end - r.start} elements + ${r.padding} padding != chunk ${c}`);
    const pieces = layout.params
      .map((s) => ({ s, p: s.pieces[r.rank] }))
      .filter(({ p }) => p.end > p.start)
      .sort((a, b) => a.p.at - b.p.at);
    for (const { s, p } of pieces) {
      if (s.offset + p.start !== next || r.rank * c + p.at !== next) problems.push(`rank ${r.rank}: '${s.name}' piece starts at ${s.offset + p.start}, expected ${next}`);
      next = s.offset + p.end;
    }
    if (next !== r.end) problems.push(`rank ${r.rank}: pieces end at ${next}, rank ends at ${r.end}`);
  }
  if (next !== N) problems.push(`pieces cover [0, ${next}), buffer has ${N}`);
  const slots = layout.params.reduce((at, s) => (s.offset === at ? at + s.size : NaN), 0);
  if (slots !== N) problems.push(`parameter slots do not tile [0, ${N}) in order`);
  return problems;
};
