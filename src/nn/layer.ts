// Layers as plain values: the modules and parameters they own, and a pure forward function over a
// flat parameter tree keyed by dotted PyTorch/Hugging Face names. No classes, no hidden state:
// a model is a layer built by a function from smaller layers, and its ModelSpec falls out.
import type { KeyLike, Shape, Tensor } from '../dsl/index.js';
import { BuildError } from '../dsl/index.js';
import type { ModelSpec, ModuleSpec, ParamSpec } from '../optim/model-spec.js';
import type { ParamTree } from '../optim/tree.js';

/** How a parameter starts, computed on the host from (seed, name); see init.ts. */
export type Init =
  | { readonly kind: 'zeros' }
  | { readonly kind: 'ones' }
  /** `zeroRow`: that row of a [rows, …] table starts at 0 (HF's init of an Embedding's padding_idx row). */
  | { readonly kind: 'normal'; readonly std: number; readonly zeroRow?: number }
  | { readonly kind: 'uniform'; readonly bound: number };

/** A parameter of a layer: its ModelSpec entry plus how to initialise it. */
export interface LayerParam extends ParamSpec {
  readonly init: Init;
}

/** What a forward pass needs besides parameters and data. */
export interface Ctx {
  /** Dropout is active only when training. */
  readonly training: boolean;
  /** Dropout key: a static key from `randomKey(seed, step)` or an i32 scalar input holding one. */
  readonly key?: KeyLike;
  /**
   * Global index of this batch's first row: a data-parallel shard holding rows [a, b) of the
   * global batch passes a, so its dropout masks are those rows of the unsharded masks.
   */
  readonly rowOffset?: number;
}

export const evalCtx: Ctx = { training: false };
export const trainCtx = (key: KeyLike, rowOffset = 0): Ctx => ({ training: true, key, rowOffset });

/** The modules and parameters of a layer, without its forward function. */
export interface Structure {
  readonly modules: readonly ModuleSpec[];
  readonly params: readonly LayerParam[];
}

/**
 * A layer: the modules it owns (itself first, then its children: PyTorch's named_modules()
 * order), its parameters (each module's own, in module order: named_parameters() order) and a
 * forward function. The name of the layer is fixed when it is built.
 */
export interface Layer<I = Tensor, O = Tensor> extends Structure {
  readonly name: string;
  readonly apply: (params: ParamTree, x: I, ctx: Ctx) => O;
}

/** `join('bert', 'encoder')` = 'bert.encoder'; the root module is ''. */
export const join = (...parts: readonly (string | number)[]): string => parts.filter((p) => p !== '').join('.');

/**
 * A layer with its own parameters (`leaf` names under the layer's name) and child layers.
 * Children's modules and parameters follow the layer's own, in the order given.
 */
export const layer = <I, O>(
  name: string,
  cls: string,
  parts: {
    readonly own?: ReadonlyArray<{ readonly leaf: string; readonly shape: Shape; readonly init: Init }>;
    readonly children?: readonly Structure[];
  },
  apply: (params: ParamTree, x: I, ctx: Ctx) => O,
): Layer<I, O> => ({
  name,
  modules: [{ name, class: cls }, ...(parts.children ?? []).flatMap((c) => c.modules)],
  params: [
    ...(parts.own ?? []).map((p) => ({ name: join(name, p.leaf), shape: [...p.shape], module: name, init: p.init })),
    ...(parts.children ?? []).flatMap((c) => c.params),
  ],
  apply,
});

/** A container with no forward of its own (PyTorch's ModuleList): its children, listed under it. */
export const moduleList = (name: string, children: readonly Structure[]): Structure => ({
  modules: [{ name, class: 'ModuleList' }, ...children.flatMap((c) => c.modules)],
  params: children.flatMap((c) => c.params),
});

/** A parameter by name, checked against the shape the layer expects. */
export const param = (params: ParamTree, name: string, shape: Shape): Tensor => {
  const t = params[name];
  if (t === undefined) throw new BuildError('unknown-input', 'nn', `parameter '${name}' is missing from the parameter tree`);
  if (t.shape.length !== shape.length || t.shape.some((d, k) => d !== shape[k])) {
    throw new BuildError('shape-mismatch', 'nn', `parameter '${name}' is [${t.shape.join(', ')}], expected [${shape.join(', ')}]`);
  }
  return t;
};

/** The layer's structure as a ModelSpec (init rules dropped), ready for schedules and sharding. */
export const modelSpec = (l: Structure): ModelSpec => ({
  modules: l.modules.map((m) => ({ name: m.name, class: m.class })),
  parameters: l.params.map((p) => ({ name: p.name, shape: [...p.shape], module: p.module })),
});

/** Parameter shapes by name: the input declarations of a program over this layer's parameters. */
export const paramShapes = (l: Structure): Record<string, Shape> =>
  Object.fromEntries(l.params.map((p) => [p.name, p.shape]));
