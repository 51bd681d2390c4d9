// fast-check generator of random scalar losses built from differentiable ops (and a few piecewise
// ones: abs, min/max, floor, a data-dependent where), for checking gradients against finite
// differences and compiled gradients against the float64 interpreter.
import fc from 'fast-check';
import * as g from '../src/dsl/index.js';
import type { GeneratorOptions, Step } from './recipe.js';
import { arbRecipe, bounded, concatFrom, grownPool, pick, reshapeFrom, sliceFrom, transposeFrom } from './recipe.js';
import type { Shape, Tensor } from '../src/dsl/index.js';

export interface DifferentiableCase {
  readonly shapes: Readonly<Record<string, Shape>>;
  /** Builds the scalar f32 loss from the inputs (call it inside `program`); deterministic. */
  readonly loss: (inputs: Readonly<Record<string, Tensor>>) => Tensor;
  /** Values in [-2, 2) on a 2^-18 grid: exact in f32, and ties between inputs are rare. */
  readonly feeds: Readonly<Record<string, Float32Array>>;
  /** One line per step, for failure reports. */
  readonly recipe: readonly string[];
}


const OPS = [
  'add', 'sub', 'mul', 'div', 'exp', 'log', 'tanh', 'sqrt', 'rsqrt', 'cos', 'neg', 'abs', 'pow', 'min', 'max',
  'where-fixed', 'where-data', 'floor', 'sum', 'mean', 'max-reduce', 'reshape', 'slice', 'transpose', 'concat',
  'matmul', 'gather', 'broadcast', 'iota', 'erf',
] as const;

const MAX_SIZE = 256;
const THRESHOLD = 0.3183099;


/** A deterministic stream of values in [lo, lo + span) on a grid of span * 2^-20. */
const stream = (seed: number, n: number, lo: number, span: number): number[] => {
  let s = seed >>> 0 || 1;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return lo + (Math.floor(s / 2 ** 12) / 2 ** 20) * span;
  });
};

const applyStep = (pool: Tensor[], st: Step, recipe: string[]): Tensor => {
  const op = pick(OPS, st.kind);
  const a = pick(pool, st.a);
  const b0 = pick(pool, st.b);
  const b = g.broadcastShapes(a.shape, b0.shape) ? b0 : g.mean(b0);
  const [p0, p1, p2] = st.p;
  const rank = a.shape.length;
  recipe.push(`${op}(#${pool.indexOf(a)}, #${pool.indexOf(b0)}) p=[${st.p}]`);
  switch (op) {
    case 'add': return g.add(a, b);
    case 'sub': return g.sub(a, b);
    case 'mul': return bounded(g.mul(a, b));
    case 'div': return g.div(a, g.add(g.abs(b), 1));
    case 'exp': return g.exp(g.tanh(a));
    case 'log': return g.log(g.add(g.abs(a), 1));
    case 'tanh': return g.tanh(a);
    case 'sqrt': return g.sqrt(g.add(g.mul(a, a), 1));
    case 'rsqrt': return g.rsqrt(g.add(g.mul(a, a), 1));
    case 'cos': return g.cos(a);
    case 'erf': return g.erf(a);
    case 'neg': return g.neg(a);
    case 'abs': return g.abs(a);
    case 'pow': return g.pow(g.add(g.abs(a), 0.5), g.tanh(b));
    case 'min': return g.minimum(a, b);
    case 'max': return g.maximum(a, b);
    case 'where-fixed': {
      const mask = stream(p0, g.sizeOf(a.shape), 0, 1).map((u) => (u < 0.5 ? 1 : 0));
      return g.where(g.constant(mask, a.shape, 'bool'), a, g.neg(b));
    }
    case 'where-data': return g.where(g.gt(a, THRESHOLD), a, g.mul(b, 0.5));
    // floor contributes no gradient, only jumps (which the smoothness margin keeps away)
    case 'floor': return g.add(a, g.mul(g.floor(g.mul(a, 3)), 0.25));
    case 'sum':
    case 'mean':
    case 'max-reduce': {
      if (rank === 0) return op === 'max-reduce' ? g.max(a) : g.sum(a);
      const axes = a.shape.map((_, k) => k).filter((k) => ((p0 >> k) & 1) === 1);
      const opts = { axes: axes.length ? axes : [p1 % rank], keepDims: (p2 & 1) === 1 };
      return op === 'sum' ? bounded(g.sum(a, opts)) : op === 'mean' ? g.mean(a, opts) : g.max(a, opts);
    }
    case 'reshape': return reshapeFrom(a, p0, [2, 3, 4]);
    case 'slice': return sliceFrom(a, p0, p1);
    case 'transpose': return transposeFrom(a, p0, p1);
    case 'concat': return concatFrom(a, b0, p0, g.tanh);
    case 'matmul': {
      const m = rank >= 2 ? a : g.reshape(a, [1, g.sizeOf(a.shape)]);
      // against b where the shapes allow, else against m's own transpose
      const other = b0.shape.length >= 2 && b0.shape[b0.shape.length - 2] === m.shape[m.shape.length - 1] && g.broadcastShapes(m.shape.slice(0, -2), b0.shape.slice(0, -2));
      const perm = m.shape.map((_, k) => k);
      [perm[perm.length - 1], perm[perm.length - 2]] = [perm[perm.length - 2], perm[perm.length - 1]];
      return bounded(g.matmul(m, other ? b0 : g.transpose(m, perm)));
    }
    case 'gather': {
      if (rank === 0) return a;
      const axis = p0 % rank;
      const d = a.shape[axis];
      // repeated indices accumulate in the gradient; -1 and d clamp to the edges
      const idx = Array.from({ length: 1 + (p1 % 4) }, (_, k) => ((p2 + 3 * k) % (d + 2)) - 1);
      const shape = idx.length === 4 && (p1 & 8) ? [2, 2] : [idx.length];
      return g.gather(a, g.constant(idx, shape, 'i32'), axis);
    }
    case 'broadcast': return g.broadcastTo(g.expandDims(a, 0), [1 + (p0 % 2), ...a.shape]);
    case 'iota': return rank === 0 ? a : g.add(a, g.mul(g.iota(a.shape, p0 % rank, 'f32'), 0.25));
  }
};

export type DifferentiableOptions = GeneratorOptions;

/**
 * Random losses: 1–maxInputs f32 inputs, up to maxSteps ops, and loss = sum over the last one or
 * two tensors t of sum(t * w_t), with fixed weights w_t so every element's cotangent differs.
 */
export const arbDifferentiable = (options: DifferentiableOptions = {}): fc.Arbitrary<DifferentiableCase> =>
  arbRecipe({ ops: OPS.length, maxDim: 3, maxInputs: options.maxInputs ?? 3, maxSteps: options.maxSteps ?? 8, maxOutputs: 2 })
    .map(({ shapes, steps, outputs, seed }) => {
      const build = (inputs: Readonly<Record<string, Tensor>>, recipe: string[]): Tensor => {
        const pool = grownPool(Object.values(inputs), steps, (p, st) => applyStep(p, st, recipe), MAX_SIZE);
        const terms = pool.slice(-outputs).map((t, k) => g.sum(g.mul(t, g.constant(stream(seed + 7 * k + 1, g.sizeOf(t.shape), -1, 2), t.shape))));
        return terms.reduce((acc, t) => g.add(acc, t));
      };
      const named = Object.fromEntries(shapes.map((s, i) => [`x${i}`, s]));
      const recipe = [`inputs ${shapes.map((s, i) => `x${i}[${s}]`).join(' ')}`];
      build(Object.fromEntries(shapes.map((s, i) => [`x${i}`, g.input(`x${i}`, s)])), recipe);
      const feeds = Object.fromEntries(shapes.map((s, i) => [`x${i}`, Float32Array.from(stream(seed + 1000 * (i + 1), g.sizeOf(s), -2, 4))]));
      return { shapes: named, loss: (inputs) => build(inputs, []), feeds, recipe };
    });
