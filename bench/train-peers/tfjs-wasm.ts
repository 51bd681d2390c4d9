// tfjs-wasm: @tensorflow/tfjs on its wasm backend (XNNPACK, loaded by bench/optim-peers/tfjs-wasm.ts), trained the
// way a tfjs user writes it: weights are tf.variable's (kernels stored [in, out] as tf.layers.dense does: measured
// here as fast as or faster than [out, in] with matMul's transposeB), the loss is tf.losses.softmaxCrossEntropy on
// one-hot labels (mean over the batch), and one step is one tf.tidy holding tf.variableGrads and the update.
// AdamW: tfjs has no tf.train.adamw, and tf.train.adam takes no weight decay, so torch.optim.AdamW is composed from
// ops on m/v variables: m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; p = p (1 - lr wd) - (lr/bc1) m / (sqrt(v/bc2) + eps).
// The wasm backend runs every op synchronously, so when a step's tidy returns its update is complete; the loss is
// read back (dataSync) only when asked for.
import type * as TF from '@tensorflow/tfjs';
import type { Scalar, Tensor, Variable } from '@tensorflow/tfjs';
import { loadTfjs, tfjsExecutor } from '../optim-peers/tfjs-wasm.js';
import { bertModel } from './tfjs-wasm-bert.js';
import type { Batch, Params, TrainFactory, TrainImpl, TrainSpec } from './types.js';
import { layerParams, oneHot, transpose } from './types.js';

/** What differs between models: the trained variables, the loss on a batch, a batch as tensors, loading graft's weights. */
export interface TfjsModel {
  readonly vars: Variable[];
  readonly lossOf: (x: Tensor, y: Tensor) => () => Scalar;
  readonly input: (b: Batch) => { x: Tensor; y: Tensor };
  readonly reset: (params: Params) => void;
}

/** The MLP: kernels [in, out], ReLU between layers. */
const mlpModel = (tf: typeof TF, spec: TrainSpec): TfjsModel => {
  const classes = spec.sizes[spec.sizes.length - 1];
  const layers = spec.sizes.slice(1).map((out, i) => ({ inF: spec.sizes[i], out }));
  // variables made once and overwritten by reset (assign), so their names stay fixed for variableGrads
  const ws = layers.map((l) => tf.variable(tf.zeros([l.inF, l.out]), true));
  const bs = layers.map((l) => tf.variable(tf.zeros([l.out]), true));
  return {
    vars: [...ws, ...bs],
    lossOf: (x, y) => () => {
      let h = x;
      ws.forEach((w, i) => {
        h = tf.add(tf.matMul(h, w), bs[i]);
        if (i < ws.length - 1) h = tf.relu(h);
      });
      return tf.losses.softmaxCrossEntropy(y, h) as Scalar;
    },
    input: (b) => ({ x: tf.tensor2d(b.x, [spec.batch, spec.sizes[0]]), y: tf.tensor2d(oneHot(b.y, classes), [spec.batch, classes]) }),
    reset: (params) =>
      layerParams(spec, params).forEach((l, i) => {
        tf.tidy(() => {
          ws[i].assign(tf.tensor2d(transpose(l.weight, l.out, l.inF), [l.inF, l.out]));
          bs[i].assign(tf.tensor1d(l.bias));
        });
      }),
  };
};

export const tfjsWasm: TrainFactory = async (spec) => {
  const t = await loadTfjs();
  const { tf } = t;
  const { lr, b1, b2, eps, wd } = spec;
  const model = spec.bert ? bertModel(tf, spec, spec.bert) : mlpModel(tf, spec);
  const vars = model.vars;
  const ms = vars.map((p) => tf.variable(tf.zerosLike(p), false));
  const vs = vars.map((p) => tf.variable(tf.zerosLike(p), false));
  let data: Array<{ x: Tensor; y: Tensor }> = [];
  let cursor = 0;
  let step = 0;

  const freeData = () => {
    for (const d of data) tf.dispose([d.x, d.y]);
    data = [];
  };

  /** One step; returns the loss scalar (the caller's to free) when asked, else nothing survives the tidy. */
  const oneStep = (keepLoss: boolean): Scalar | undefined => {
    const { x, y } = data[cursor];
    cursor = (cursor + 1) % data.length;
    step++;
    const bc1 = 1 - b1 ** step;
    const bc2 = 1 - b2 ** step;
    return tf.tidy(() => {
      const { value, grads } = tf.variableGrads(model.lossOf(x, y), vars);
      vars.forEach((p, i) => {
        const g = grads[p.name];
        const m2 = tf.add(tf.mul(ms[i], b1), tf.mul(g, 1 - b1));
        const v2 = tf.add(tf.mul(vs[i], b2), tf.mul(tf.square(g), 1 - b2));
        ms[i].assign(m2);
        vs[i].assign(v2);
        p.assign(tf.sub(tf.mul(p, 1 - lr * wd), tf.div(tf.mul(m2, lr / bc1), tf.add(tf.sqrt(tf.div(v2, bc2)), eps))));
      });
      return keepLoss ? value : undefined;
    });
  };

  const impl: TrainImpl = {
    impl: 'tfjs-wasm',
    note: 'AdamW composed from ops (tf.variableGrads in tf.tidy, m/v variables); tfjs has no tf.train.adamw',
    load: async (batches) => {
      freeData();
      data = batches.map(model.input);
      cursor = 0;
    },
    reset: async (params) => {
      model.reset(params);
      for (const a of [...ms, ...vs]) tf.tidy(() => a.assign(tf.zerosLike(a)));
      step = 0;
      cursor = 0;
    },
    run: async (steps, losses = false) => {
      const out: number[] = [];
      for (let k = 0; k < steps; k++) {
        const loss = oneStep(losses);
        if (loss) {
          out.push(loss.dataSync()[0]);
          loss.dispose();
        }
      }
      return out;
    },
    ran: async () => ({ backend: `tfjs-wasm ${t.version}`, executor: tfjsExecutor(t) }),
    close: async () => {
      freeData();
      tf.dispose([...vars, ...ms, ...vs]);
    },
  };
  return impl;
};
