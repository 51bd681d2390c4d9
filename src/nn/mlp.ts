// A multi-layer perceptron classifier: Linear layers in a ModuleList named `layers`
// (`layers.0.weight`, `layers.0.bias`, …, the last one giving the logits), an activation and
// optional dropout between them. PyTorch's default Linear initialisation.
import type { Tensor } from '../dsl/index.js';
import type { Activation } from './activations.js';
import { activation } from './activations.js';
import type { Layer } from './layer.js';
import { join, layer, moduleList } from './layer.js';
import { linear } from './linear.js';
import { dropout, dropoutForward } from './dropout.js';

export interface MlpOptions {
  /** Default 'relu'. */
  readonly activation?: Activation;
  /** Dropout after each hidden activation; default 0 (no Dropout module). */
  readonly dropout?: number;
  /** Where the model sits; default the root ''. */
  readonly name?: string;
}

/** sizes = [inputs, hidden…, classes]: x [batch, inputs] -> logits [batch, classes]. */
export const mlpClassifier = (sizes: readonly number[], options: MlpOptions = {}): Layer => {
  if (sizes.length < 2 || sizes.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new RangeError(`sizes [${sizes.join(', ')}] must hold at least two positive integers`);
  }
  const name = options.name ?? '';
  const p = options.dropout ?? 0;
  const act = activation(options.activation ?? 'relu');
  const fcs = sizes.slice(1).map((out, i) => linear(join(name, 'layers', i), sizes[i], out));
  const list = moduleList(join(name, 'layers'), fcs);
  const drop = p > 0 ? [dropout(join(name, 'dropout'), p, 0)] : [];
  return layer(name, 'MLPClassifier', { children: [list, ...drop] }, (params, x: Tensor, ctx) =>
    fcs.reduce((h, fc, i) => {
      const y = fc.apply(params, h, ctx);
      return i === fcs.length - 1 ? y : dropoutForward(act(y), p, 0, ctx);
    }, x),
  );
};
