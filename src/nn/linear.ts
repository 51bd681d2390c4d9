// torch.nn.Linear: y = x·Wᵀ + b with W stored [out, in], over the last axis of x (any leading axes).
import * as g from '../dsl/index.js';
import type { Tensor } from '../dsl/index.js';
import type { Init, Layer } from './layer.js';
import { join, layer, param } from './layer.js';

export interface LinearOptions {
  /** Default true. */
  readonly bias?: boolean;
  /** Default PyTorch's: U(-1/√in, 1/√in) for both (kaiming_uniform_ with a = √5, and the bias rule). */
  readonly weightInit?: Init;
  readonly biasInit?: Init;
}

/** PyTorch's default Linear initialisation for `inFeatures` inputs. */
export const torchLinearInit = (inFeatures: number): Init => ({ kind: 'uniform', bound: 1 / Math.sqrt(inFeatures) });

/** `x·Wᵀ + b`, the matmul done on x flattened to 2-D so it compiles to one plain matrix product. */
export const linearForward = (x: Tensor, weight: Tensor, bias?: Tensor): Tensor => {
  const [out, inF] = weight.shape;
  const lead = x.shape.slice(0, -1);
  const y = g.matmul(g.reshape(x, [-1, inF]), g.transpose(weight));
  const yb = bias ? g.add(y, bias) : y;
  return g.reshape(yb, [...lead, out]);
};

export const linear = (name: string, inFeatures: number, outFeatures: number, options: LinearOptions = {}): Layer => {
  const withBias = options.bias ?? true;
  const fallback = torchLinearInit(inFeatures);
  return layer(
    name,
    'Linear',
    {
      own: [
        { leaf: 'weight', shape: [outFeatures, inFeatures], init: options.weightInit ?? fallback },
        ...(withBias ? [{ leaf: 'bias', shape: [outFeatures], init: options.biasInit ?? fallback }] : []),
      ],
    },
    (params, x) =>
      linearForward(
        x,
        param(params, join(name, 'weight'), [outFeatures, inFeatures]),
        withBias ? param(params, join(name, 'bias'), [outFeatures]) : undefined,
      ),
  );
};
