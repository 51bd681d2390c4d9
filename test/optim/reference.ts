// Float64 optimizers written from their documentation, element by element, independent of graft's transforms.
import { bernoulliThreshold, uniformAt } from '../../src/dsl/counter-hash.js';
import { randomKey } from '../../src/dsl/index.js';
import { mulberry32 } from '../../props/mulberry32.js';

export type Tensors = Record<string, Float64Array>;

/** Deterministic test data. */
export const rng = mulberry32;

export const randomTensors = (shapes: Record<string, number[]>, seed: number, scale = 1): Record<string, Float32Array> => {
  const r = rng(seed);
  return Object.fromEntries(Object.entries(shapes).map(([k, s]) => [k, Float32Array.from({ length: s.reduce((a, b) => a * b, 1) }, () => (r() * 2 - 1) * scale)]));
};

const copy = (t: Record<string, ArrayLike<number>>): Tensors => Object.fromEntries(Object.entries(t).map(([k, v]) => [k, Float64Array.from(v)]));
const zerosLike = (t: Tensors): Tensors => Object.fromEntries(Object.entries(t).map(([k, v]) => [k, new Float64Array(v.length)]));

export interface AdamWHyper { lr: number; b1: number; b2: number; eps: number; wd: number }

/** The parameters after the last step, and each step's change of them (p after − p before). */
export interface Trajectory { params: Tensors; deltas: Tensors[] }

/** `reset`: parameters go back to p0 before every step, so each delta is one update from the same point. */
export interface TrajectoryOptions { reset?: boolean }

const trajectory = (p0: Record<string, ArrayLike<number>>, steps: number, o: TrajectoryOptions, step: (p: Tensors, s: number) => void): Trajectory => {
  let p = copy(p0);
  const deltas: Tensors[] = [];
  for (let s = 0; s < steps; s++) {
    if (o.reset) p = copy(p0);
    const before = copy(p);
    step(p, s);
    deltas.push(Object.fromEntries(Object.entries(p).map(([k, v]) => [k, v.map((x, i) => x - before[k][i])])));
  }
  return { params: p, deltas };
};

/** torch.optim.AdamW's documented algorithm (decoupled decay first, eps after bias correction). */
export const torchAdamW = (p0: Record<string, ArrayLike<number>>, grads: ReadonlyArray<Record<string, ArrayLike<number>>>, h: AdamWHyper, o: TrajectoryOptions = {}): Trajectory => {
  const m = zerosLike(copy(p0));
  const v = zerosLike(copy(p0));
  return trajectory(p0, grads.length, o, (p, s) => {
    const gs = grads[s];
    const t = s + 1;
    for (const k of Object.keys(p)) {
      for (let i = 0; i < p[k].length; i++) {
        const g = gs[k][i];
        p[k][i] *= 1 - h.lr * h.wd;
        m[k][i] = h.b1 * m[k][i] + (1 - h.b1) * g;
        v[k][i] = h.b2 * v[k][i] + (1 - h.b2) * g * g;
        const mhat = m[k][i] / (1 - h.b1 ** t);
        const vhat = v[k][i] / (1 - h.b2 ** t);
        p[k][i] -= (h.lr * mhat) / (Math.sqrt(vhat) + h.eps);
      }
    }
  });
};

export interface ChildTuningHyper extends AdamWHyper {
  correctBias: boolean;
  reserveP: number;
  mode?: 'F' | 'D';
  seed?: number;
  masks?: Record<string, ArrayLike<number>>;
}

/** The reference ChildTuningAdamW step (child-tuning.md), Hugging Face flavour. Mode F draws graft's generator stream. */
export const childTuningAdamWRef = (p0: Record<string, ArrayLike<number>>, grads: ReadonlyArray<Record<string, ArrayLike<number>>>, h: ChildTuningHyper, o: TrajectoryOptions = {}): Trajectory & { m: Tensors; v: Tensors } => {
  const m = zerosLike(copy(p0));
  const v = zerosLike(copy(p0));
  const offsets: Record<string, number> = {};
  let at = 0;
  for (const k of Object.keys(m)) {
    offsets[k] = at;
    at += m[k].length;
  }
  const run = trajectory(p0, grads.length, o, (p, s) => {
    const gs = grads[s];
    const t = s + 1;
    const key = h.mode === 'F' ? randomKey(h.seed ?? 0, t) : 0;
    const threshold = bernoulliThreshold(h.reserveP);
    for (const k of Object.keys(p)) {
      for (let i = 0; i < p[k].length; i++) {
        let g = gs[k][i];
        if (h.mode === 'F' && h.reserveP < 1) {
          g = (g * +(uniformAt(key, offsets[k] + i) < threshold)) / h.reserveP;
        }
        if (h.mode === 'D' && h.masks?.[k]) g *= h.masks[k][i];
        m[k][i] = h.b1 * m[k][i] + (1 - h.b1) * g;
        v[k][i] = h.b2 * v[k][i] + (1 - h.b2) * g * g;
        const denom = Math.sqrt(v[k][i]) + h.eps;
        const stepSize = h.correctBias ? (h.lr * Math.sqrt(1 - h.b2 ** t)) / (1 - h.b1 ** t) : h.lr;
        p[k][i] -= (stepSize * m[k][i]) / denom;
        p[k][i] -= h.lr * h.wd * p[k][i];
      }
    }
  });
  return { ...run, m, v };
};

/**
 * Largest elementwise error relative to its tensor's scale: max_i |got_i − want_i| / max_i |want_i|.
 * Per element would divide f32 cancellation residue (~1e-8) by parameters that happen to pass near zero.
 */
export const maxRelError = (got: Record<string, ArrayLike<number>>, want: Record<string, ArrayLike<number>>): number => {
  let worst = 0;
  for (const k of Object.keys(want)) {
    let diff = 0;
    let scale = 0;
    for (let i = 0; i < want[k].length; i++) {
      const d = Math.abs(got[k][i] - want[k][i]);
      if (!(d <= diff)) diff = d;
      scale = Math.max(scale, Math.abs(want[k][i]));
    }
    const e = diff / (scale || 1);
    if (!(e <= worst)) worst = e;
  }
  return worst;
};
