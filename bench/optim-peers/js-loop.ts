// js-loop: the optimizer step as a plain Float32Array loop, run in a clean worker isolate (no tsx, no packages loaded):
// under tsx the same loop runs ~2x slower in-process (see bench/js-worker.ts). This generalises js-worker.ts to a
// state of several arrays plus a step counter and a random stream. Arithmetic is in float64, stored as float32.
import { Worker } from 'node:worker_threads';
import type { Hyper, ImplFactory, OptimImpl, OptimResult, StepKind } from './types.js';

/** Worker-side state: the arrays, step counter t, xorshift state x. */
interface S {
  p: Float32Array;
  g: Float32Array;
  m: Float32Array;
  v: Float32Array;
  t: number;
  x: number;
}

/** A step in place; self-contained (no closure variables): it travels to the worker as source text. */
type Step = (s: S, h: Hyper) => void;

/** torch.optim.AdamW: decay first, eps after bias correction. */
const adamw: Step = (s, h) => {
  const { p, g, m, v } = s; // hoisted: property loads per element would handicap the loop
  const t = ++s.t;
  const b1 = h.b1;
  const b2 = h.b2;
  const eps = h.eps;
  const decay = 1 - h.lr * h.wd;
  const a = h.lr / (1 - b1 ** t);
  const ib2 = 1 / (1 - b2 ** t);
  for (let i = 0; i < p.length; i++) {
    const gi = g[i];
    const mi = b1 * m[i] + (1 - b1) * gi;
    const vi = b2 * v[i] + (1 - b2) * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] = p[i] * decay - (a * mi) / (Math.sqrt(vi * ib2) + eps);
  }
};

/**
 * ChildTuning-AdamW mode F (Hugging Face flavour): g *= Bernoulli(reserveP) / reserveP, fresh each step; eps on the
 * uncorrected root; stepSize = lr*sqrt(1-b2^t)/(1-b1^t); decay after the update. The mask comes from an inline
 * xorshift32 stream (Marsaglia 13/17/5) carried across steps: cheap, but NOT the same stream as graft's counter-based
 * generator or any other implementation's, so masks differ and verification checks the math at reserveP = 1 and
 * the mask's statistics separately.
 */
const ctf: Step = (s, h) => {
  const { p, g, m, v } = s;
  const t = ++s.t;
  const b1 = h.b1;
  const b2 = h.b2;
  const eps = h.eps;
  const inv = 1 / h.reserveP;
  const thr = h.reserveP * 4294967296; // keep when the uint32 draw < reserveP * 2^32 (always, at reserveP = 1)
  const stepSize = (h.lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
  const decay = 1 - h.lr * h.wd;
  let x = s.x | 0;
  for (let i = 0; i < p.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const gi = x >>> 0 < thr ? g[i] * inv : 0;
    const mi = b1 * m[i] + (1 - b1) * gi;
    const vi = b2 * v[i] + (1 - b2) * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] = (p[i] - (stepSize * mi) / (Math.sqrt(vi) + eps)) * decay;
  }
  s.x = x;
};

const STEPS: Record<StepKind, Step> = { adamw, ctf };

const SOURCE = `
const { parentPort } = require('node:worker_threads');
let step, h, s;
parentPort.on('message', (msg) => {
  if (msg.op === 'init') { step = new Function('return (' + msg.src + ')')(); h = msg.h; }
  if (msg.op === 'reset') { s = { p: msg.p, g: msg.g, m: msg.m, v: msg.v, t: 0, x: msg.seed | 0 }; h = { ...h, reserveP: msg.reserveP }; }
  if (msg.op === 'run') for (let i = 0; i < msg.steps; i++) step(s, h);
  parentPort.postMessage(msg.op === 'state' ? { p: s.p, m: s.m, v: s.v } : null);
});`;

/** Messages are copied (structured clone, no transfer list), so nothing is detached in either isolate. */
export const jsLoop: ImplFactory = async (spec, _n) => {
  const worker = new Worker(SOURCE, { eval: true, execArgv: [] });
  const ask = (msg: object) => new Promise<unknown>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', (r) => (worker.off('error', reject), resolve(r)));
    worker.postMessage(msg);
  });
  const h: Hyper = { lr: spec.lr, b1: spec.b1, b2: spec.b2, eps: spec.eps, wd: spec.wd, reserveP: spec.reserveP };
  await ask({ op: 'init', src: STEPS[spec.kind].toString(), h });
  const impl: OptimImpl = {
    impl: 'js-loop',
    steps: 1,
    reset: async (s0, reserveP) => void (await ask({ op: 'reset', ...s0, reserveP, seed: 0x2545f491 })),
    sample: async () => void (await ask({ op: 'run', steps: spec.stepsPerSample })),
    state: async () => (await ask({ op: 'state' })) as OptimResult,
    ran: () => ({ backend: 'js', executor: 'worker-loop' }),
    close: async () => void (await worker.terminate()),
  };
  return impl;
};
