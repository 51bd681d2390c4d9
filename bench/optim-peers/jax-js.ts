// jax-js: @jax-js/jax, the step as one jit-compiled function on its wasm backend (fused into a few wasm kernels);
// the ctf mask is random.bernoulli under a key split off per step (threefry), inside the same jit.
// In Node it needs globalThis.navigator to exist, and runs single-threaded: its wasm worker pool wants a Web `Worker`
// global, which Node lacks (a shim over worker_threads made it use 2 workers with no gain at 4M, so none is used).
// Arrays are lazy: each step is awaited (blockUntilReady) before the next is queued; queuing a whole sample and
// waiting once was ~5x slower per step here.
import type * as JAX from '@jax-js/jax';
import type { ImplFactory, OptimImpl } from './types.js';

type Jax = typeof JAX;
type Arr = JAX.Array;

let loading: Promise<Jax> | undefined;
export const loadJax = (): Promise<Jax> =>
  (loading ??= (async () => {
    const g = globalThis as { navigator?: unknown };
    g.navigator ??= { userAgent: `Node.js/${process.version}` };
    const jax = await import('@jax-js/jax');
    const devices = await jax.init('wasm');
    if (!devices.includes('wasm')) throw new Error(`jax-js: no wasm device (have ${devices.join(', ')})`);
    return jax;
  })());

export const jaxJs: ImplFactory = async (spec, n) => {
  const jax = await loadJax();
  const { jit, numpy: np, random } = jax;
  const { lr, b1, b2, eps, wd } = spec;

  // torch AdamW; a = lr / (1 - b1^t) and ib2 = 1 / (1 - b2^t) come in as 0-d arrays so one compile serves every t
  const adamw = jit((p: Arr, g: Arr, m: Arr, v: Arr, a: Arr, ib2: Arr) => {
    const m2 = m.mul(b1).add(g.ref.mul(1 - b1));
    const v2 = v.mul(b2).add(g.ref.mul(g).mul(1 - b2));
    const p2 = p.mul(1 - lr * wd).sub(m2.ref.mul(a).div(np.sqrt(v2.ref.mul(ib2)).add(eps)));
    return [p2, m2, v2];
  });
  // Child-Tuning F, HF flavour; keep (reserveP) is static: verification recompiles once for reserveP = 1
  const ctf = jit((p: Arr, g: Arr, m: Arr, v: Arr, key: Arr, stepSize: Arr, keep: number) => {
    const mask = random.bernoulli(key, keep, [n]);
    const gm = np.where(mask, g.mul(1 / keep), 0);
    const m2 = m.mul(b1).add(gm.ref.mul(1 - b1));
    const v2 = v.mul(b2).add(gm.ref.mul(gm).mul(1 - b2));
    const p1 = p.sub(m2.ref.mul(stepSize).div(np.sqrt(v2.ref).add(eps)));
    return [p1.mul(1 - lr * wd), m2, v2];
  }, { staticArgnums: [6] });

  let p: Arr | undefined;
  let g: Arr | undefined;
  let m: Arr | undefined;
  let v: Arr | undefined;
  let key: Arr | undefined;
  let t = 0;
  let keep = spec.reserveP;
  const free = () => {
    for (const a of [p, g, m, v, key]) a?.dispose();
    p = g = m = v = key = undefined;
  };

  const step = () => {
    t++;
    let out: Arr[];
    if (spec.kind === 'adamw') {
      out = adamw(p!, g!.ref, m!, v!, np.array(lr / (1 - b1 ** t)), np.array(1 / (1 - b2 ** t))) as Arr[];
    } else {
      const [next, sub] = random.split(key!, 2) as unknown as Arr[];
      key = next;
      out = ctf(p!, g!.ref, m!, v!, sub, np.array((lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t)), keep) as Arr[];
    }
    [p, m, v] = out;
  };

  const result: OptimImpl = {
    impl: 'jax-js',
    steps: 1,
    reset: async (s0, reserveP) => {
      free();
      [p, g, m, v] = [s0.p, s0.g, s0.m, s0.v].map((a) => np.array(a));
      key = random.key(0x2545f491);
      t = 0;
      keep = reserveP;
      await jax.blockUntilReady([p, g, m, v, key]);
    },
    sample: async () => {
      for (let k = 0; k < spec.stepsPerSample; k++) {
        step();
        await jax.blockUntilReady([p!, m!, v!]);
      }
    },
    state: async () => ({ p: (await p!.ref.data()) as Float32Array, m: (await m!.ref.data()) as Float32Array, v: (await v!.ref.data()) as Float32Array }),
    ran: () => ({ backend: 'jax-js-wasm', executor: 'jit-1t' }),
    close: async () => {
      free();
      adamw.dispose();
      ctf.dispose();
    },
  };
  return result;
};
