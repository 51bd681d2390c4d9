// Classification losses and metrics over logits [batch, classes] and integer labels [batch].
import * as g from '../dsl/index.js';
import type { Tensor } from '../dsl/index.js';
import { logSoftmax } from './softmax.js';

/** [0, 1, …, n-1] as i32 (a constant, so this works without an iota op). */
const iota = (n: number): Tensor => g.constant(Array.from({ length: n }, (_, i) => i), [n], 'i32');

/** labels [batch] (i32) -> [batch, classes] f32 with a 1 at each label; rows of out-of-range labels are all 0. */
export const oneHot = (labels: Tensor, classes: number): Tensor => {
  if (labels.dtype !== 'i32') throw new g.BuildError('dtype-mismatch', 'oneHot', `labels must be i32, got ${labels.dtype}`);
  return g.cast(g.eq(g.expandDims(labels, -1), iota(classes)), 'f32');
};

/**
 * Mean over the batch of -log softmax(logits)[label], as torch's cross_entropy. A negative label
 * (HF's -100) is ignored: it adds nothing and is not counted; with no counted row the loss is 0.
 */
export const crossEntropy = (logits: Tensor, labels: Tensor): Tensor => {
  const [, classes] = logits.shape;
  const picked = g.sum(g.mul(oneHot(labels, classes), logSoftmax(logits, -1)), { axes: -1 });
  const counted = g.sum(g.cast(g.ge(labels, 0), 'f32'));
  return g.div(g.neg(g.sum(picked)), g.maximum(counted, 1));
};

/** Index of the largest value along the last axis (the first one on ties, as torch.argmax), i32. */
export const argmax = (x: Tensor): Tensor => {
  const n = x.shape[x.shape.length - 1];
  const isMax = g.eq(x, g.max(x, { axes: -1, keepDims: true }));
  // the largest of -index over the maxima is minus the first maximum's index
  return g.neg(g.max(g.where(isMax, g.neg(iota(n)), -n), { axes: -1 }));
};

/** Fraction of rows whose argmax is the label, over rows with a non-negative label (0 when none). */
export const accuracy = (logits: Tensor, labels: Tensor): Tensor => {
  const correct = g.sum(g.cast(g.eq(argmax(logits), labels), 'f32'));
  return g.div(correct, g.maximum(g.sum(g.cast(g.ge(labels, 0), 'f32')), 1));
};
