import { broadcastShapes, showShape } from '../shape.js';
import { BuildError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { node, refOf } from '../tensor.js';
import { broadcastTo } from './elementwise.js';

/** Matrix product over the last two axes; leading (batch) axes broadcast as in numpy.matmul. */
export const matmul = (a: Tensor, b: Tensor): Tensor => {
  if (a.dtype !== 'f32' || b.dtype !== 'f32') {
    throw new BuildError('dtype-mismatch', 'matmul', `expects f32 operands, got ${a.dtype} and ${b.dtype}`, [refOf(a), refOf(b)]);
  }
  if (a.shape.length < 2 || b.shape.length < 2) {
    throw new BuildError('shape-mismatch', 'matmul', `operands need rank >= 2, got ${showShape(a.shape)} and ${showShape(b.shape)}`, [refOf(a), refOf(b)]);
  }
  const [m, k] = a.shape.slice(-2);
  const [k2, n] = b.shape.slice(-2);
  const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2));
  if (k !== k2 || !batch) {
    throw new BuildError('shape-mismatch', 'matmul', `cannot multiply ${showShape(a.shape)} by ${showShape(b.shape)}`, [refOf(a), refOf(b)]);
  }
  const ab = broadcastTo(a, [...batch, m, k]);
  const bb = broadcastTo(b, [...batch, k, n]);
  return node({ kind: 'matmul' }, [ab, bb], [...batch, m, n], 'f32');
};
