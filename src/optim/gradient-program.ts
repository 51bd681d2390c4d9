// Forward and backward alone, as one program: the loss's gradients for `trainable` and the metrics, no update (a
// sharded step reduces gradients across ranks between the backward and the optimizer).
import type * as E from 'fp-ts/lib/Either.js';
import * as g from '../dsl/index.js';
import type { BuildError, Program, Shape } from '../dsl/index.js';
import type { Objective } from './step.js';
import { names } from './step.js';

/** Inputs `p:<param>` (every parameter) and `x:<input>`; outputs `g:<param>` for each trainable one and `m:<metric>` (`m:loss` first). */
export const gradientProgram = (objective: Objective, shapes: Readonly<Record<string, Shape>>, trainable: readonly string[]): E.Either<BuildError, Program> =>
  g.program(
    {
      ...Object.fromEntries(Object.entries(shapes).map(([n, s]) => [names.param(n), s])),
      ...Object.fromEntries(Object.entries(objective.inputs).map(([k, v]) => [names.input(k), v])),
    },
    (inputs) => {
      const params = Object.fromEntries(Object.keys(shapes).map((n) => [n, inputs[names.param(n)]]));
      const out = objective.build(params, Object.fromEntries(Object.keys(objective.inputs).map((k) => [k, inputs[names.input(k)]])));
      const grads = g.grad(out.loss, Object.fromEntries(trainable.map((n) => [n, params[n]])));
      return {
        ...Object.fromEntries(trainable.map((n) => [names.grad(n), grads[n]])),
        [names.metric('loss')]: out.loss,
        ...Object.fromEntries(Object.entries(out.metrics ?? {}).map(([k, t]) => [names.metric(k), t])),
      };
    },
  );
