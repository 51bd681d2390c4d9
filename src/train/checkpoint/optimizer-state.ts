// Between the optimizer runner's state and a checkpoint: the shapes its programs declare, and the state itself.
import type { Shape } from '../../dsl/index.js';
import type { StepPrograms } from '../../optim/step.js';
import { names } from '../../optim/step.js';
import type { OptimizerState } from '../optimizer-runner.js';
import type { CheckpointMeta } from './meta.js';
import type { Checkpoint } from './save.js';
import type { CheckpointShapes } from './tensors.js';

/** Parameter and state-leaf shapes of a built step: record them on save, expect them on load. */
export const checkpointShapes = (programs: StepPrograms): CheckpointShapes => {
  const inputs = new Map(programs.step.inputs.map((i) => [i.name, i.shape] as const));
  const of = (ns: readonly string[], name: (n: string) => string): Record<string, Shape> => Object.fromEntries(ns.map((n) => [n, inputs.get(name(n)) ?? []]));
  return { params: of(programs.params, names.param), optState: of(programs.state, names.state) };
};

/** `meta.step` is the state's step. */
export const checkpointOf = (s: OptimizerState, meta: Omit<CheckpointMeta, 'step'>, shapes?: CheckpointShapes): Checkpoint => ({
  params: s.params,
  optState: s.state,
  meta: { ...meta, step: s.step },
  ...(shapes ? { shapes } : {}),
});

export const optimizerStateOf = (c: Checkpoint): OptimizerState => ({ params: c.params, state: c.optState, step: c.meta.step });
