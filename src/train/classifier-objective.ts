// The classification objective: softmax cross-entropy and accuracy of a model on one batch.
import * as E from 'fp-ts/lib/Either.js';
import * as g from '../dsl/index.js';
import type { BuildError, Program, Shape } from '../dsl/index.js';
import type { Layer } from '../nn/index.js';
import { accuracy, argmax, crossEntropy, evalCtx, trainCtx } from '../nn/index.js';
import type { Objective } from '../optim/step.js';

/** How a batch's rows reach a model: their dtype, and the model's input made from the batch tensor. */
export interface ModelInput {
  readonly dtype: 'f32' | 'i32';
  readonly adapt: (x: g.Tensor) => unknown;
}

/** Rows of f32 features, given to the model as they are (an MLP). */
export const featureRows: ModelInput = { dtype: 'f32', adapt: (x) => x };

/** Rows of token ids, given as `{ inputIds }` (nn.bertClassifier); ids travel as exact integers below 2^24. */
export const tokenRows: ModelInput = { dtype: 'i32', adapt: (ids) => ({ inputIds: ids }) };

/**
 * Rows of [input ids; attention mask; token type ids] (features [3, seq], as `packTokenRows` lays them out), given as
 * `{ inputIds, attentionMask, tokenTypeIds }`: padding is masked out of attention, segments keep their types.
 */
export const maskedTokenRows: ModelInput = {
  dtype: 'i32',
  adapt: (x) => {
    const [batch, three, seq] = x.shape;
    if (three !== 3) throw new g.BuildError('shape-mismatch', 'maskedTokenRows', `rows must be [3, seq] (ids, mask, types), got [${x.shape.slice(1).join(', ')}]`);
    const part = (k: number) => g.reshape(g.slice(x, [0, k, 0], [batch, k + 1, seq]), [batch, seq]);
    return { inputIds: part(0), attentionMask: g.cast(part(1), 'f32'), tokenTypeIds: part(2) };
  },
};

/** Training: dropout keyed by the i32 input `key`, so each step draws fresh masks from one compiled plan. */
export const classifierObjective = (model: Layer<any>, batch: number, features: Shape, frozen: Readonly<Record<string, Shape>> = {}, input: ModelInput = featureRows): Objective => ({
  inputs: { x: { shape: [batch, ...features], dtype: input.dtype }, y: { shape: [batch], dtype: 'i32' }, key: { shape: [], dtype: 'i32' } },
  frozen,
  build: (params, inputs) => {
    const logits = model.apply(params, input.adapt(inputs.x), trainCtx(inputs.key));
    return { loss: crossEntropy(logits, inputs.y), metrics: { accuracy: accuracy(logits, inputs.y) } };
  },
});

/** Evaluation: the same loss and accuracy, dropout off, over `count` examples at once; `predictions` adds each example's predicted class. */
export const evaluationProgram = (model: Layer<any>, shapes: Readonly<Record<string, Shape>>, count: number, features: Shape, input: ModelInput = featureRows, predictions = false): E.Either<BuildError, Program> =>
  g.program({ ...Object.fromEntries(Object.entries(shapes).map(([k, s]) => [`p:${k}`, s])), x: { shape: [count, ...features], dtype: input.dtype }, y: { shape: [count], dtype: 'i32' } }, (declared) => {
    const inputs = declared as Readonly<Record<string, g.Tensor>>;
    const params = Object.fromEntries(Object.keys(shapes).map((k) => [k, inputs[`p:${k}`]]));
    const logits = model.apply(params, input.adapt(inputs.x), evalCtx);
    return { loss: crossEntropy(logits, inputs.y), accuracy: accuracy(logits, inputs.y), ...(predictions ? { predictions: argmax(logits) } : {}) };
  });
