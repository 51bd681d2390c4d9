// Parameter trees: flat records keyed by dotted names (`encoder.layer.0.attention.query.weight`).
import type { Tensor } from '../dsl/index.js';
import { BuildError, sizeOf } from '../dsl/index.js';

export type ParamTree = Readonly<Record<string, Tensor>>;

/** Optimizer state: named tensors, nested records of them, or parameter trees. */
export type StateTree = { readonly [key: string]: Tensor | StateTree };

export const mapTree = (tree: ParamTree, f: (t: Tensor, name: string) => Tensor): ParamTree =>
  Object.fromEntries(Object.entries(tree).map(([k, t]) => [k, f(t, k)]));

/** Pair two trees by name; every name missing from either side or differing in shape is reported at once. */
export const zipTrees = (what: string, a: ParamTree, b: ParamTree, f: (x: Tensor, y: Tensor, name: string) => Tensor): ParamTree => {
  const problems: string[] = [];
  for (const k of Object.keys(a)) {
    if (!(k in b)) problems.push(`'${k}' has no ${what}`);
    else if (a[k].shape.join() !== b[k].shape.join()) problems.push(`'${k}' is [${a[k].shape.join(', ')}] but its ${what} is [${b[k].shape.join(', ')}]`);
  }
  for (const k of Object.keys(b)) if (!(k in a)) problems.push(`${what} '${k}' matches no parameter`);
  if (problems.length) throw new BuildError('shape-mismatch', what, problems.join('; '));
  return Object.fromEntries(Object.keys(a).map((k) => [k, f(a[k], b[k], k)]));
};

export const isTensorLeaf = (x: Tensor | StateTree): x is Tensor => 'op' in x && 'shape' in x && 'inputs' in x;

/** Flatten state to `path/to/leaf` names, the order in which a compiled step lists its state. */
export const flattenState = (state: StateTree, prefix = ''): Record<string, Tensor> => {
  const out: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(state)) {
    const path = prefix ? `${prefix}/${k}` : k;
    if (isTensorLeaf(v)) out[path] = v;
    else Object.assign(out, flattenState(v, path));
  }
  return out;
};

/** Rebuild a state of the same structure as `like` from flat leaves. */
export const unflattenState = <S extends StateTree>(like: S, leaves: Readonly<Record<string, Tensor>>, prefix = ''): S =>
  Object.fromEntries(
    Object.entries(like).map(([k, v]) => {
      const path = prefix ? `${prefix}/${k}` : k;
      return [k, isTensorLeaf(v) ? leaves[path] : unflattenState(v, leaves, path)];
    }),
  ) as S;

/** Global flat offset of each parameter in name order: the element index random masks are keyed by. */
export const globalOffsets = (tree: ParamTree): Record<string, number> => {
  let at = 0;
  const out: Record<string, number> = {};
  for (const [k, t] of Object.entries(tree)) {
    out[k] = at;
    at += sizeOf(t.shape);
  }
  return out;
};
