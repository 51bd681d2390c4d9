// torch.nn.Embedding: rows of a [rows, dim] table picked by i32 ids (out-of-range ids clamp, as gather does).
import * as g from '../dsl/index.js';
import type { Tensor } from '../dsl/index.js';
import type { Init, Layer } from './layer.js';
import { join, layer, param } from './layer.js';

export interface EmbeddingOptions {
  /** Default PyTorch's N(0, 1); BERT uses N(0, 0.02). */
  readonly init?: Init;
  /** torch's padding_idx: this row starts at 0 (under a normal init) and gets no gradient, so it never trains. */
  readonly paddingIdx?: number;
}

/** ids of any shape -> ids.shape + [dim]. */
export const embedding = (name: string, rows: number, dim: number, options: EmbeddingOptions = {}): Layer => {
  const pad = options.paddingIdx;
  if (pad !== undefined && !(Number.isInteger(pad) && pad >= 0 && pad < rows)) throw new RangeError(`embedding '${name}': paddingIdx ${pad} is not one of its ${rows} rows`);
  const given: Init = options.init ?? { kind: 'normal', std: 1 };
  // torch's nn.Embedding and HF's _init_weights both start the padding row at zero
  const init: Init = pad !== undefined && given.kind === 'normal' ? { ...given, zeroRow: pad } : given;
  return layer(name, 'Embedding', { own: [{ leaf: 'weight', shape: [rows, dim], init }] }, (params, ids: Tensor) => {
    if (ids.dtype !== 'i32') throw new g.BuildError('dtype-mismatch', 'embedding', `ids of '${name}' must be i32, got ${ids.dtype}`);
    const picked = g.gather(param(params, join(name, 'weight'), [rows, dim]), ids, 0);
    if (pad === undefined) return picked;
    // positions holding the pad id pass no cotangent back, so the scatter-add gives the pad row exactly 0
    return g.where(g.expandDims(g.eq(ids, pad), -1), g.stopGradient(picked), picked);
  });
};
