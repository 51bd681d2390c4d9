// tfjs-wasm-adamw-ops: the step composed from tfjs ops inside tf.tidy (one wasm kernel per op, a full-size temporary
// per op), the way one writes AdamW or Child-Tuning in tfjs. The ctf mask is tf.randomUniform(...) < reserveP, seeded
// per step (tfjs generates it in JS with seedrandom, then uploads it).
import type { Tensor } from '@tensorflow/tfjs';
import { loadTfjs, tfjsExecutor } from './tfjs-wasm.js';
import type { ImplFactory, OptimImpl } from './types.js';

export const tfjsWasmAdamwOps: ImplFactory = async (spec, n) => {
  const t = await loadTfjs();
  const { tf } = t;
  let p: Tensor | undefined;
  let g: Tensor | undefined;
  let m: Tensor | undefined;
  let v: Tensor | undefined;
  let step = 0;
  let resets = 0;
  let keep = spec.reserveP;
  const free = () => tf.dispose([p, g, m, v].filter((x): x is Tensor => x !== undefined));
  const { lr, b1, b2, eps, wd } = spec;

  const adamw = (t1: number) => tf.tidy(() => {
    const m2 = tf.add(tf.mul(m!, b1), tf.mul(g!, 1 - b1));
    const v2 = tf.add(tf.mul(v!, b2), tf.mul(tf.square(g!), 1 - b2));
    const mhat = tf.div(m2, 1 - b1 ** t1);
    const vhat = tf.div(v2, 1 - b2 ** t1);
    const p2 = tf.sub(tf.mul(p!, 1 - lr * wd), tf.div(tf.mul(mhat, lr), tf.add(tf.sqrt(vhat), eps)));
    return [p2, m2, v2];
  });

  const ctf = (t1: number) => tf.tidy(() => {
    const u = tf.randomUniform([n], 0, 1, 'float32', 1_000_003 * resets + t1);
    const gm = tf.mul(g!, tf.mul(tf.cast(tf.less(u, keep), 'float32'), 1 / keep));
    const m2 = tf.add(tf.mul(m!, b1), tf.mul(gm, 1 - b1));
    const v2 = tf.add(tf.mul(v!, b2), tf.mul(tf.square(gm), 1 - b2));
    const stepSize = (lr * Math.sqrt(1 - b2 ** t1)) / (1 - b1 ** t1);
    const p1 = tf.sub(p!, tf.div(tf.mul(m2, stepSize), tf.add(tf.sqrt(v2), eps)));
    const p2 = tf.sub(p1, tf.mul(p1, lr * wd));
    return [p2, m2, v2];
  });

  const result: OptimImpl = {
    impl: 'tfjs-wasm-adamw-ops',
    steps: 1,
    reset: async (s0, reserveP) => {
      free();
      [p, g, m, v] = [s0.p, s0.g, s0.m, s0.v].map((a) => tf.tensor1d(a));
      step = 0;
      resets++;
      keep = reserveP;
    },
    sample: async () => {
      for (let k = 0; k < spec.stepsPerSample; k++) {
        const next = spec.kind === 'adamw' ? adamw(++step) : ctf(++step);
        tf.dispose([p!, m!, v!]);
        [p, m, v] = next;
      }
    },
    state: async () => ({ p: (await p!.data()) as Float32Array, m: (await m!.data()) as Float32Array, v: (await v!.data()) as Float32Array }),
    ran: () => ({ backend: `tfjs-wasm ${t.version}`, executor: tfjsExecutor(t) }),
    close: async () => free(),
  };
  return result;
};
