// Child-Tuning D's Fisher pass: one epoch over the training data in training mode (dropout on), no
// optimizer steps; per batch, each selected gradient clipped on its own, squared, averaged.
import * as E from 'fp-ts/lib/Either.js';
import * as g from '../dsl/index.js';
import type { Shape, Tensor } from '../dsl/index.js';
import { randomKey } from '../dsl/index.js';
import { compile } from '../compiler/index.js';
import type { Runtime } from '../runtime/index.js';
import type { Layer } from '../nn/index.js';
import { crossEntropy, paramShapes, trainCtx } from '../nn/index.js';
import { clipEachByNorm } from '../optim/index.js';
import type { Examples } from './fit.js';
import type { Values } from './optimizer-runner.js';
import type { ModelInput } from './classifier-objective.js';
import { featureRows } from './classifier-objective.js';
import { batches, permutation } from './data/shuffle.js';

export interface FisherPassOptions {
  readonly selected: readonly string[];
  readonly batchSize: number;
  readonly seed: number;
  readonly maxGradNorm: number;
  readonly features: Shape;
  /** How batch rows reach the model (see FitConfig); default f32 features. */
  readonly input?: ModelInput;
}

export const fisherScores = async (rt: Runtime, model: Layer<any>, params: Values, train: Examples, o: FisherPassOptions): Promise<Record<string, Float32Array>> => {
  const shapes = paramShapes(model);
  const order = batches(permutation(train.count, o.seed, 2 ** 23), o.batchSize, true);
  const width = o.features.reduce((a, b) => a * b, 1);
  const prog = g.program(
    {
      ...Object.fromEntries(Object.entries(shapes).map(([k, s]) => [`p:${k}`, s])),
      ...Object.fromEntries(o.selected.map((k) => [`s:${k}`, shapes[k]])),
      x: { shape: [o.batchSize, ...o.features], dtype: (o.input ?? featureRows).dtype },
      y: { shape: [o.batchSize], dtype: 'i32' },
      key: { shape: [], dtype: 'i32' },
    },
    (declared) => {
      const inputs = declared as Readonly<Record<string, Tensor>>;
      const p = Object.fromEntries(Object.keys(shapes).map((k) => [k, inputs[`p:${k}`]]));
      const loss = crossEntropy(model.apply(p, (o.input ?? featureRows).adapt(inputs.x), trainCtx(inputs.key)), inputs.y);
      const grads = clipEachByNorm(g.grad(loss, Object.fromEntries(o.selected.map((k) => [k, p[k]]))), o.maxGradNorm);
      return Object.fromEntries(o.selected.map((k) => [`s:${k}`, g.add(inputs[`s:${k}`], g.div(g.mul(grads[k], grads[k]), order.length))]));
    },
  );
  if (E.isLeft(prog)) throw prog.left;
  const exe = rt.load(compile(prog.right));
  let scores: Record<string, Float32Array> = Object.fromEntries(o.selected.map((k) => [k, new Float32Array(params[k].length)]));
  try {
    for (const [i, b] of order.entries()) {
      const x = new Float32Array(b.length * width);
      b.forEach((r, k) => x.set(train.inputs.subarray(r * width, (r + 1) * width), k * width));
      const out = await exe.run({
        ...Object.fromEntries(Object.entries(params).map(([k, v]) => [`p:${k}`, v])),
        ...Object.fromEntries(o.selected.map((k) => [`s:${k}`, scores[k]])),
        x,
        y: Float32Array.from(b, (r) => train.labels[r]),
        key: randomKey(o.seed, (2 ** 23 + i) % 2 ** 24),
      });
      if (E.isLeft(out)) throw out.left;
      scores = Object.fromEntries(o.selected.map((k) => [k, out.right[`s:${k}`]]));
    }
  } finally {
    exe.destroy();
  }
  return scores;
};
