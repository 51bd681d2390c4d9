// Which modules to wrap so a buffer reached from several phases splits into phase-aligned units.
import type { ModelSpec, ParamSpec } from '../optim/model-spec.js';
import type { PhaseRef } from './disjointness-problems.js';
import { comparePhases } from './disjointness-problems.js';
import type { Unit } from './units.js';
import { containsModule } from './units.js';

/**
 * The outermost modules strictly inside `unit` whose parameters in the unit's buffer all thaw in one phase,
 * grouped by that phase: wrapping one takes exactly those parameters out of the buffer (innermost wins).
 */
export const suggestWraps = (spec: ModelSpec, unit: Unit, phaseOf: (param: string) => PhaseRef): { phase: PhaseRef; modules: string[] }[] => {
  const byName = new Map<string, ParamSpec>(spec.parameters.map((p) => [p.name, p]));
  const members = unit.params.map((n) => byName.get(n)).filter((p): p is ParamSpec => p !== undefined);
  const inside = spec.modules.filter((m) => m.name !== unit.name && containsModule(unit.name, m.name));
  const candidates = inside.flatMap((m) => {
    const phases = new Set(members.filter((p) => containsModule(m.name, p.module)).map((p) => phaseOf(p.name)));
    return phases.size === 1 ? [{ module: m.name, phase: [...phases][0] }] : [];
  });
  const outermost = candidates.filter((c) => !candidates.some((o) => o.module !== c.module && containsModule(o.module, c.module)));
  const phases = [...new Set(outermost.map((c) => c.phase))].sort(comparePhases);
  return phases.map((phase) => ({ phase, modules: outermost.filter((c) => c.phase === phase).map((c) => c.module) }));
};
