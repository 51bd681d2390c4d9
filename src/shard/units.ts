// Flat units: each wrapped module flattens the parameters it owns (not those of wrapped modules inside it) into one buffer.
import type { ModelSpec, ParamSpec } from '../optim/model-spec.js';
import type { WrapPolicy } from './wrap-policy.js';
import { wrapPredicate } from './wrap-policy.js';

export interface Unit {
  /** The wrapped module's name; '' for the root unit. */
  readonly name: string;
  /** The wrapped module's class; 'root' for the root unit. */
  readonly class: string;
  /** Parameter names in flat order: module order, then each module's own parameters in spec order. */
  readonly params: readonly string[];
  /** Elements in the flat buffer, before padding. */
  readonly size: number;
}

export const ROOT_UNIT = '';

export type Shapes = Readonly<Record<string, readonly number[]>>;

export const numel = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

export const shapesOf = (spec: ModelSpec): Shapes => Object.fromEntries(spec.parameters.map((p) => [p.name, p.shape]));

export const isRootUnit = (unit: Unit): boolean => unit.name === ROOT_UNIT;

/** `outer` contains `inner` when it is the same module or a dotted-name prefix of it; '' contains everything. */
export const containsModule = (outer: string, inner: string): boolean => outer === ROOT_UNIT || inner === outer || inner.startsWith(`${outer}.`);

/** The unit each parameter's flat buffer belongs to: the innermost wrapped module around its owner, else the root. */
export const unitOfParam = (spec: ModelSpec, policy: WrapPolicy): ((p: ParamSpec) => string) => {
  const wraps = wrapPredicate(policy);
  // the root module is the root unit whatever the policy says
  const wrapped = spec.modules.filter((m) => m.name !== ROOT_UNIT && wraps(m)).map((m) => m.name);
  return (p) => wrapped.filter((w) => containsModule(w, p.module)).reduce((best, w) => (w.length > best.length ? w : best), ROOT_UNIT);
};

/** Root first (it is the outermost), then every wrapped module in module order, empty ones included. */
export const flatUnits = (spec: ModelSpec, policy: WrapPolicy): Unit[] => {
  const wraps = wrapPredicate(policy);
  const unitOf = unitOfParam(spec, policy);
  const moduleIndex = new Map(spec.modules.map((m, i) => [m.name, i]));
  const flatOrder = spec.parameters
    .map((p, i) => ({ p, i, m: moduleIndex.get(p.module) ?? spec.modules.length }))
    .sort((a, b) => a.m - b.m || a.i - b.i)
    .map(({ p }) => p);
  const units = [{ name: ROOT_UNIT, class: 'root' }, ...spec.modules.filter((m) => m.name !== ROOT_UNIT && wraps(m))].map((m) => {
    const params = flatOrder.filter((p) => unitOf(p) === m.name);
    return { name: m.name, class: m.class, params: params.map((p) => p.name), size: params.reduce((s, p) => s + numel(p.shape), 0) };
  });
  return units;
};

/** Parameter name -> the unit that owns its flat buffer. */
export const unitIndex = (units: readonly Unit[]): Map<string, Unit> => new Map(units.flatMap((u) => u.params.map((p) => [p, u] as const)));
