// A gradient transformation (optax's GradientTransformation): init and update, both in the tensor language.
import type { DType, Shape, Tensor } from '../dsl/index.js';
import type { ParamTree, StateTree } from './tree.js';

/** What a step provides besides gradients and state: per-step random keys derived on the host. */
export interface StepContext {
  /** An i32 scalar input whose value the driver sets to randomKey(seed, step) each step (step counts from 1). */
  stepKey(seed: number): Tensor;
  /** Global flat offset of a parameter (name order), so masks are the same in any slice or shard. */
  offsetOf(name: string): number;
  /** An input fed the same `values` every step (a fixed mask, say); not part of the carried state. */
  fixedInput(name: string, shape: Shape, dtype: DType, values: ArrayLike<number>): Tensor;
}

export interface Transform<S extends StateTree = StateTree> {
  /** Initial state, built from the parameters' shapes (or values). */
  init(params: ParamTree): S;
  /** Transform updates (initially the gradients); returns new updates and new state. */
  update(updates: ParamTree, state: S, params: ParamTree, ctx: StepContext): readonly [ParamTree, S];
}

export type AnyTransform = Transform<StateTree>;

export const identity: Transform<{}> = {
  init: () => ({}),
  update: (updates) => [updates, {}],
};
