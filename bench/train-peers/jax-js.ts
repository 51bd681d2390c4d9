// jax-js: @jax-js/jax on its wasm backend (loaded by bench/optim-peers/jax-js.ts: single-threaded in Node), trained
// the JAX way: one jit-compiled function holds valueAndGrad of the loss (ReLU MLP, weights [in, out] as x @ W,
// softmax cross-entropy as -mean(sum(one_hot * log_softmax))) and the torch.optim.AdamW update of every leaf, so a
// step is one call. lr/(1 - b1^t) and 1/(1 - b2^t) come in as 0-d arrays, so one compile serves every step.
// Arrays are lazy: each step is awaited (blockUntilReady on the new parameters and the loss) before the next.
import type * as JAX from '@jax-js/jax';
import { loadJax } from '../optim-peers/jax-js.js';
import type { TrainFactory, TrainImpl } from './types.js';
import { layerParams, oneHot, transpose } from './types.js';

type Arr = JAX.Array;
type Tree = { w: Arr[]; b: Arr[] };

export const jaxJs: TrainFactory = async (spec) => {
  const jax = await loadJax();
  const { jit, numpy: np, nn, valueAndGrad, tree } = jax;
  const { lr, b1, b2, eps, wd, batch } = spec;
  const classes = spec.sizes[spec.sizes.length - 1];
  const L = spec.sizes.length - 1;

  const lossFn = (p: Tree, x: Arr, y: Arr): Arr => {
    let h = x;
    for (let i = 0; i < L; i++) {
      h = np.matmul(h, p.w[i]).add(p.b[i]);
      if (i < L - 1) h = nn.relu(h);
    }
    return nn.logSoftmax(h).mul(y).sum().mul(-1 / batch);
  };

  const stepFn = jit((p: Tree, m: Tree, v: Tree, x: Arr, y: Arr, a: Arr, ib2: Arr) => {
    const [loss, g] = valueAndGrad(lossFn)(tree.ref(p), x, y) as [Arr, Tree];
    const upd = (pp: Arr, gg: Arr, mm: Arr, vv: Arr) => {
      const m2 = mm.mul(b1).add(gg.ref.mul(1 - b1));
      const v2 = vv.mul(b2).add(gg.ref.mul(gg).mul(1 - b2));
      const p2 = pp.mul(1 - lr * wd).sub(m2.ref.mul(a.ref).div(np.sqrt(v2.ref.mul(ib2.ref)).add(eps)));
      return [p2, m2, v2] as const;
    };
    const out = { p: { w: [] as Arr[], b: [] as Arr[] }, m: { w: [] as Arr[], b: [] as Arr[] }, v: { w: [] as Arr[], b: [] as Arr[] } };
    for (const k of ['w', 'b'] as const) {
      for (let i = 0; i < L; i++) {
        const [p2, m2, v2] = upd(p[k][i], g[k][i], m[k][i], v[k][i]);
        out.p[k].push(p2);
        out.m[k].push(m2);
        out.v[k].push(v2);
      }
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
    for (const s of [p, m, v]) tree.dispose(s);
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
      data = batches.map((b) => ({
        x: np.array(b.x, { shape: [batch, spec.sizes[0]] }),
        y: np.array(oneHot(b.y, classes), { shape: [batch, classes] }),
      }));
      cursor = 0;
      await jax.blockUntilReady(data);
    },
    reset: async (params) => {
      freeState();
      const ls = layerParams(spec, params);
      p = { w: ls.map((l) => np.array(transpose(l.weight, l.out, l.inF), { shape: [l.inF, l.out] })), b: ls.map((l) => np.array(l.bias.slice(), { shape: [l.out] })) };
      m = { w: ls.map((l) => np.zeros([l.inF, l.out])), b: ls.map((l) => np.zeros([l.out])) };
      v = { w: ls.map((l) => np.zeros([l.inF, l.out])), b: ls.map((l) => np.zeros([l.out])) };
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
