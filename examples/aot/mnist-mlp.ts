// An entry for `graft compile`: the MNIST MLP's training step (forward, backward and AdamW in one
// program), its evaluation, and a bare AdamW step over gradients. The browser page runs this module.
//   npx graft compile examples/aot/mnist-mlp.ts --out build/mnist-mlp.mjs
import * as g from 'graft';

export const HIDDEN = 64;
export const BATCH = 32;
export const EVAL = 500;
export const FEATURES = 28 * 28;

export const model = g.nn.mlpClassifier([FEATURES, HIDDEN, 10]);
export const shapes = g.nn.paramShapes(model);

/** Softmax cross-entropy and accuracy of one batch: gradients come from differentiating it. */
const objective: g.optim.Objective = {
  inputs: { x: { shape: [BATCH, FEATURES], dtype: 'f32' }, y: { shape: [BATCH], dtype: 'i32' } },
  build: (params, { x, y }) => {
    const logits = model.apply(params, x, g.nn.evalCtx);
    return { loss: g.nn.crossEntropy(logits, y), metrics: { accuracy: g.nn.accuracy(logits, y) } };
  },
};

export const train = g.optim.buildStep(g.optim.adamw(1e-3, { weightDecay: 0.01 }), shapes, objective);

export const evaluate = g.program(
  { ...Object.fromEntries(Object.entries(shapes).map(([k, s]) => [`p:${k}`, s])), x: [EVAL, FEATURES], y: { shape: [EVAL], dtype: 'i32' } },
  (inputs) => {
    const all = inputs as Readonly<Record<string, g.Tensor>>;
    const logits = model.apply(Object.fromEntries(Object.keys(shapes).map((k) => [k, all[`p:${k}`]])), all.x, g.nn.evalCtx);
    return { loss: g.nn.crossEntropy(logits, all.y), accuracy: g.nn.accuracy(logits, all.y) };
  },
);

/** AdamW over given gradients (no objective): an optimizer step on its own. */
export const adamw = g.optim.buildStep(g.optim.adamw(1e-2, { weightDecay: 0.1 }), { w: [1000], b: [37] });
