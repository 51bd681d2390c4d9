// torch.nn.LayerNorm over the last axis: (x - mean) / sqrt(var + eps) · weight + bias, biased variance.
import * as g from '../dsl/index.js';
import type { Tensor } from '../dsl/index.js';
import type { Layer } from './layer.js';
import { join, layer, param } from './layer.js';

export interface LayerNormOptions {
  /** Default 1e-5 (PyTorch); BERT uses 1e-12. */
  readonly eps?: number;
}

/** Normalise over the last axis without the affine part. */
export const normalize = (x: Tensor, eps = 1e-5): Tensor => {
  const centred = g.sub(x, g.mean(x, { axes: -1, keepDims: true }));
  const variance = g.mean(g.mul(centred, centred), { axes: -1, keepDims: true });
  return g.mul(centred, g.rsqrt(g.add(variance, eps)));
};

export const layerNormForward = (x: Tensor, weight: Tensor, bias: Tensor, eps = 1e-5): Tensor =>
  g.add(g.mul(normalize(x, eps), weight), bias);

/** Weight starts at ones and bias at zeros, as in PyTorch. */
export const layerNorm = (name: string, size: number, options: LayerNormOptions = {}): Layer =>
  layer(
    name,
    'LayerNorm',
    {
      own: [
        { leaf: 'weight', shape: [size], init: { kind: 'ones' } },
        { leaf: 'bias', shape: [size], init: { kind: 'zeros' } },
      ],
    },
    (params, x) => layerNormForward(x, param(params, join(name, 'weight'), [size]), param(params, join(name, 'bias'), [size]), options.eps ?? 1e-5),
  );
