// The classification objective: softmax cross-entropy and accuracy of a model on one batch.
import * as E from 'fp-ts/lib/Either.js';
import * as g from '../dsl/index.js';
import type { BuildError, Program, Shape } from '../dsl/index.js';
import type { Layer } from '../nn/index.js';
import { accuracy, crossEntropy, evalCtx, trainCtx } from '../nn/index.js';
import type { Objective } from '../optim/step.js';

/** Training: dropout keyed by the i32 input `key`, so each step draws fresh masks from one compiled plan. */
export const classifierObjective = (model: Layer, batch: number, features: Shape, frozen: Readonly<Record<string, Shape>> = {}): Objective => ({
  inputs: { x: { shape: [batch, ...features], dtype: 'f32' }, y: { shape: [batch], dtype: 'i32' }, key: { shape: [], dtype: 'i32' } },
  frozen,
  build: (params, inputs) => {
    const logits = model.apply(params, inputs.x, trainCtx(inputs.key));
    return { loss: crossEntropy(logits, inputs.y), metrics: { accuracy: accuracy(logits, inputs.y) } };
  },
});

/** Evaluation: the same loss and accuracy, dropout off, over `count` examples at once. */
export const evaluationProgram = (model: Layer, shapes: Readonly<Record<string, Shape>>, count: number, features: Shape): E.Either<BuildError, Program> =>
  g.program({ ...Object.fromEntries(Object.entries(shapes).map(([k, s]) => [`p:${k}`, s])), x: [count, ...features], y: { shape: [count], dtype: 'i32' } }, (declared) => {
    const inputs = declared as Readonly<Record<string, g.Tensor>>;
    const params = Object.fromEntries(Object.keys(shapes).map((k) => [k, inputs[`p:${k}`]]));
    const logits = model.apply(params, inputs.x, evalCtx);
    return { loss: crossEntropy(logits, inputs.y), accuracy: accuracy(logits, inputs.y) };
  });
