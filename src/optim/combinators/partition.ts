import { BuildError } from '../../dsl/index.js';
import type { Transform } from '../transform.js';
import type { ParamTree, StateTree } from '../tree.js';
import type { NameSelector } from './select.js';
import { pick, selects } from './select.js';

/** How parameters get their label: a function of the name, or label -> name patterns (first match wins). */
export type Labelling = ((name: string) => string) | Readonly<Record<string, NameSelector>>;

export const labelOf = (labelling: Labelling): ((name: string) => string | undefined) => {
  if (typeof labelling === 'function') return labelling;
  const rules = Object.entries(labelling).map(([label, sel]) => [label, selects(sel)] as const);
  return (name) => rules.find(([, matches]) => matches(name))?.[0];
};

/** Group parameters by label: which parameter went where, and any that no label claims. */
export const groupsOf = (names: readonly string[], labelling: Labelling): { groups: Record<string, string[]>; unlabelled: string[] } => {
  const label = labelOf(labelling);
  const groups: Record<string, string[]> = {};
  const unlabelled: string[] = [];
  for (const n of names) {
    const l = label(n);
    if (l === undefined) unlabelled.push(n);
    else (groups[l] ??= []).push(n);
  }
  return { groups, unlabelled };
};

/** A transform per group of parameters (optax's multi_transform); each parameter lands in exactly one group. */
export const partition = (transforms: Readonly<Record<string, Transform<any>>>, labelling: Labelling): Transform<Record<string, StateTree>> => {
  const split = (params: ParamTree) => {
    const { groups, unlabelled } = groupsOf(Object.keys(params), labelling);
    const unknown = Object.keys(groups).filter((l) => !(l in transforms));
    const problems = [
      ...(unlabelled.length ? [`no label for ${unlabelled.map((n) => `'${n}'`).join(', ')}`] : []),
      ...unknown.map((l) => `label '${l}' (for ${groups[l].map((n) => `'${n}'`).join(', ')}) has no transform; labels: ${Object.keys(transforms).join(', ')}`),
    ];
    if (problems.length) throw new BuildError('bad-argument', 'partition', problems.join('; '));
    return groups;
  };
  return {
    init: (params) => {
      const groups = split(params);
      return Object.fromEntries(Object.entries(transforms).map(([l, t]) => [l, t.init(pick(params, groups[l] ?? []))]));
    },
    update: (updates, state, params, ctx) => {
      const groups = split(params);
      const out: Record<string, ParamTree[string]> = {};
      const next: Record<string, StateTree> = {};
      for (const [l, t] of Object.entries(transforms)) {
        const names = groups[l] ?? [];
        const [u, s] = t.update(pick(updates, names), state[l], pick(params, names), ctx);
        Object.assign(out, u);
        next[l] = s;
      }
      // keep the parameters' own order
      return [Object.fromEntries(Object.keys(updates).map((k) => [k, out[k]])), next];
    },
  };
};
