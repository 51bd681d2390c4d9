// tfjs-wasm-adam: tf.train.adam minimising with given gradients (optimizer.applyGradients), as a tfjs user would.
// tfjs's Adam has no weight decay (tfjs has no AdamW), so it does slightly less work than AdamW and is verified
// against the reference with wd = 0; otherwise its update is torch's (eps after bias correction). AdamW rows only.
import type { Tensor, Variable } from '@tensorflow/tfjs';
import { loadTfjs, tfjsExecutor } from './tfjs-wasm.js';
import type { ImplFactory, OptimImpl } from './types.js';

export const tfjsWasmAdam: ImplFactory = async (spec) => {
  const impl = 'tfjs-wasm-adam';
  if (spec.kind !== 'adamw') return { skip: impl, reason: 'tf.train.adam cannot mask gradients inside its step; AdamW rows only' };
  const t = await loadTfjs();
  const { tf } = t;
  let p: Variable | undefined;
  let g: Tensor | undefined;
  let opt: ReturnType<typeof tf.train.adam> | undefined;
  const free = () => {
    p?.dispose();
    g?.dispose();
    opt?.dispose();
  };
  const result: OptimImpl = {
    impl,
    steps: 1,
    overrides: { wd: 0 },
    reset: async (s0) => {
      free();
      const p0 = tf.tensor1d(s0.p);
      p = tf.variable(p0); // shares p0's data; p0's own handle is released below
      p0.dispose();
      g = tf.tensor1d(s0.g);
      opt = tf.train.adam(spec.lr, spec.b1, spec.b2, spec.eps);
      // start from the given moments, at iteration 0 (setWeights makes variables of these and recomputes b^t)
      const w = [tf.scalar(0, 'int32'), tf.tensor1d(s0.m), tf.tensor1d(s0.v)];
      await opt.setWeights([{ name: 'iter', tensor: w[0] }, { name: `${p.name}/m`, tensor: w[1] }, { name: `${p.name}/v`, tensor: w[2] }]);
      tf.dispose(w);
    },
    sample: async () => {
      // the wasm backend runs each op synchronously: when applyGradients returns, the step is done
      for (let k = 0; k < spec.stepsPerSample; k++) opt!.applyGradients([{ name: p!.name, tensor: g! }]);
    },
    state: async () => {
      const w = await opt!.getWeights(); // [iterations (a new scalar: ours to free), m, v]
      w[0].tensor.dispose();
      return { p: (await p!.data()) as Float32Array, m: (await w[1].tensor.data()) as Float32Array, v: (await w[2].tensor.data()) as Float32Array };
    },
    ran: () => ({ backend: `tfjs-wasm ${t.version}`, executor: tfjsExecutor(t) }),
    close: async () => free(),
  };
  return result;
};
