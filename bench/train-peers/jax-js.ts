// jax-js: @jax-js/jax on its wasm backend (loaded by bench/optim-peers/jax-js.ts: single-threaded in Node), trained
// the JAX way: one jit-compiled function holds valueAndGrad of the loss (ReLU MLP, weights [in, out] as x @ W, or the
// BERT of jax-js-bert.ts; softmax cross-entropy as -mean(sum(one_hot * log_softmax))) and the torch.optim.AdamW update of every leaf, so a
// step is one call. lr/(1 - b1^t) and 1/(1 - b2^t) come in as 0-d arrays, so one compile serves every step.
// Arrays are lazy: each step is awaited (blockUntilReady on the new parameters and the loss) before the next.
import type * as JAX from '@jax-js/jax';
import { loadJax } from '../optim-peers/jax-js.js';
import { bertModel } from './jax-js-bert.js';
import type { Batch, Params, TrainFactory, TrainImpl, TrainSpec } from './types.js';
import { layerParams, oneHot, transpose } from './types.js';

type Arr = JAX.Array;
type Jax = typeof JAX;
/** Parameters (and each moment) as one flat tree keyed by graft's names. */
export type Tree = Record<string, Arr>;

/** What differs between models: the loss of a parameter tree on a batch, graft's weights as the peer holds them, a batch as arrays. */
export interface JaxModel {
  readonly lossFn: (p: Tree, x: Arr, y: Arr) => Arr;
  readonly params: (params: Params) => Record<string, { data: Float32Array; shape: number[] }>;
  readonly input: (b: Batch) => { x: Arr; y: Arr };
}

/** The MLP: weights [in, out] as x @ W, ReLU between layers. */
const mlpModel = (jax: Jax, spec: TrainSpec): JaxModel => {
  const { numpy: np, nn } = jax;
  const classes = spec.sizes[spec.sizes.length - 1];
  const L = spec.sizes.length - 1;
  return {
    lossFn: (p, x, y) => {
      let h = x;
      for (let i = 0; i < L; i++) {
        h = np.matmul(h, p[`layers.${i}.weight`]).add(p[`layers.${i}.bias`]);
        if (i < L - 1) h = nn.relu(h);
      }
      return nn.logSoftmax(h).mul(y).sum().mul(-1 / spec.batch);
    },
    params: (params) =>
      Object.fromEntries(
        layerParams(spec, params).flatMap((l, i) => [
          [`layers.${i}.weight`, { data: transpose(l.weight, l.out, l.inF), shape: [l.inF, l.out] }],
          [`layers.${i}.bias`, { data: l.bias.slice(), shape: [l.out] }],
        ]),
      ),
    input: (b) => ({ x: np.array(b.x, { shape: [spec.batch, spec.sizes[0]] }), y: np.array(oneHot(b.y, classes), { shape: [spec.batch, classes] }) }),
  };
};

export const jaxJs: TrainFactory = async (spec) => {
  const jax = await loadJax();
  const { jit, numpy: np, valueAndGrad, tree } = jax;
  const { lr, b1, b2, eps, wd } = spec;
  const model = spec.bert ? bertModel(jax, spec, spec.bert) : mlpModel(jax, spec);

  const stepFn = jit((p: Tree, m: Tree, v: Tree, x: Arr, y: Arr, a: Arr, ib2: Arr) => {
    const [loss, g] = valueAndGrad(model.lossFn)(tree.ref(p), x, y) as [Arr, Tree];
    const out = { p: {} as Tree, m: {} as Tree, v: {} as Tree };
    for (const k of Object.keys(p)) {
      const gg = g[k];
      const m2 = m[k].mul(b1).add(gg.ref.mul(1 - b1));
      const v2 = v[k].mul(b2).add(gg.ref.mul(gg).mul(1 - b2));
      out.p[k] = p[k].mul(1 - lr * wd).sub(m2.ref.mul(a.ref).div(np.sqrt(v2.ref.mul(ib2.ref)).add(eps)));
      out.m[k] = m2;
      out.v[k] = v2;
    }
    a.dispose();
    ib2.dispose();
    return [out.p, out.m, out.v, loss];
  });

  let p: Tree | undefined;
  let m: Tree | undefined;
  let v: Tree | undefined;
  let data: Array<{ x: Arr; y: Arr }> = [];
  let cursor = 0;
  let t = 0;
  const freeState = () => {
    for (const s of [p, m, v]) if (s) tree.dispose(s);
    p = m = v = undefined;
  };
  const freeData = () => {
    for (const d of data) (d.x.dispose(), d.y.dispose());
    data = [];
  };

  const impl: TrainImpl = {
    impl: 'jax-js',
    note: 'jit(valueAndGrad + torch AdamW update) per step, awaited',
    load: async (batches) => {
      freeData();
      data = batches.map(model.input);
      cursor = 0;
      await jax.blockUntilReady(data);
    },
    reset: async (params) => {
      freeState();
      const ps = Object.entries(model.params(params));
      p = Object.fromEntries(ps.map(([k, q]) => [k, np.array(q.data, { shape: q.shape })]));
      m = Object.fromEntries(ps.map(([k, q]) => [k, np.zeros(q.shape)]));
      v = Object.fromEntries(ps.map(([k, q]) => [k, np.zeros(q.shape)]));
      t = 0;
      cursor = 0;
      await jax.blockUntilReady([p, m, v]);
    },
    run: async (steps, losses = false) => {
      const out: number[] = [];
      for (let k = 0; k < steps; k++) {
        const { x, y } = data[cursor];
        cursor = (cursor + 1) % data.length;
        t++;
        const res = stepFn(p!, m!, v!, x.ref, y.ref, np.array(lr / (1 - b1 ** t)), np.array(1 / (1 - b2 ** t))) as unknown as [Tree, Tree, Tree, Arr];
        [p, m, v] = res;
        const loss = res[3];
        await jax.blockUntilReady([p, m, v, loss]);
        if (losses) out.push((await loss.data())[0]);
        else loss.dispose();
      }
      return out;
    },
    ran: async () => ({ backend: 'jax-js-wasm', executor: 'jit-1t' }),
    close: async () => {
      freeState();
      freeData();
      stepFn.dispose();
    },
  };
  return impl;
};
