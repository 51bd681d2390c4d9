// torch.nn.Embedding: rows of a [rows, dim] table picked by i32 ids (out-of-range ids clamp, as gather does).
import * as g from '../dsl/index.js';
import type { Tensor } from '../dsl/index.js';
import type { Init, Layer } from './layer.js';
import { join, layer, param } from './layer.js';

export interface EmbeddingOptions {
  /** Default PyTorch's N(0, 1); BERT uses N(0, 0.02). */
  readonly init?: Init;
}

/** ids of any shape -> ids.shape + [dim]. */
export const embedding = (name: string, rows: number, dim: number, options: EmbeddingOptions = {}): Layer => {
  const init = options.init ?? { kind: 'normal', std: 1 };
  return layer(name, 'Embedding', { own: [{ leaf: 'weight', shape: [rows, dim], init }] }, (params, ids: Tensor) => {
    if (ids.dtype !== 'i32') throw new g.BuildError('dtype-mismatch', 'embedding', `ids of '${name}' must be i32, got ${ids.dtype}`);
    return g.gather(param(params, join(name, 'weight'), [rows, dim]), ids, 0);
  });
};
