// fast-check generator of random tensor programs (expression DAGs) over every op of the language,
// kept inside smooth, bounded domains so a float32 result can be held to a float64 reference.
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import * as g from '../src/dsl/index.js';
import type { GeneratorOptions, Step } from './recipe.js';
import { arbRecipe, bounded, concatFrom, grownPool, pick, reshapeFrom, sliceFrom, transposeFrom } from './recipe.js';
import type { Program, Shape, Tensor } from '../src/dsl/index.js';

export interface GeneratedProgram {
  readonly program: Program;
  readonly feeds: Readonly<Record<string, Float32Array>>;
  /** One line per step, for failure reports. */
  readonly recipe: readonly string[];
}


const OPS = [
  'neg', 'abs', 'sqrt', 'rsqrt', 'exp', 'log', 'tanh', 'floor', 'cos',
  'add', 'sub', 'mul', 'div', 'pow', 'min', 'max', 'where',
  'sum', 'mean', 'max-reduce', 'reshape', 'slice', 'transpose', 'concat', 'matmul', 'gather', 'uniform', 'normal', 'bernoulli', 'broadcast',
  'iota', 'erf',
] as const;

// thresholds far from the dyadic grid the inputs live on, so comparisons are not knife-edge
const THRESHOLD = 0.3183099;

const MAX_SIZE = 2048;


/** Numeric values in [-2, 2) on a 1/64 grid from a seed: exact in f32, cheap to shrink. */
const valuesFrom = (seed: number, n: number): Float32Array => {
  let s = seed >>> 0 || 1;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return ((s >>> 8) % 256) / 64 - 2;
  });
};

const applyStep = (pool: Tensor[], st: Step, recipe: string[]): Tensor => {
  const op = pick(OPS, st.kind);
  const a = pick(pool, st.a);
  const b0 = pick(pool, st.b);
  const b = g.broadcastShapes(a.shape, b0.shape) ? b0 : g.mean(b0);
  const [p0, p1, p2] = st.p;
  const rank = a.shape.length;
  recipe.push(`${op}(#${pool.indexOf(a)}${'a'}, #${pool.indexOf(b0)}) p=[${st.p}]`);
  switch (op) {
    case 'neg': return g.neg(a);
    case 'abs': return g.abs(a);
    case 'sqrt': return g.sqrt(g.add(g.abs(a), 0.25));
    case 'rsqrt': return g.rsqrt(g.add(g.abs(a), 1));
    case 'exp': return g.exp(g.tanh(a));
    case 'log': return g.log(g.add(g.abs(a), 1));
    case 'tanh': return g.tanh(a);
    case 'cos': return g.cos(a);
    case 'erf': return g.erf(a);
    // offset off the 1/64 input grid so no value sits on an integer edge
    case 'floor': return g.floor(g.add(g.mul(a, 3), 0.3183099));
    case 'add': return g.add(a, b);
    case 'sub': return g.sub(a, b);
    case 'mul': return bounded(g.mul(a, b));
    case 'div': return g.div(a, g.add(g.abs(b), 1));
    case 'pow': return g.pow(g.add(g.abs(a), 0.5), g.tanh(b));
    case 'min': return g.minimum(a, b);
    case 'max': return g.maximum(a, b);
    case 'where': return g.where(g.logicalOr(g.gt(a, THRESHOLD), g.logicalNot(g.le(b, -THRESHOLD))), a, g.neg(b));
    case 'sum':
    case 'mean':
    case 'max-reduce': {
      if (rank === 0) return g.sum(a);
      const axes = a.shape.map((_, k) => k).filter((k) => ((p0 >> k) & 1) === 1);
      const opts = { axes: axes.length ? axes : [p1 % rank], keepDims: (p2 & 1) === 1 };
      return op === 'sum' ? bounded(g.sum(a, opts)) : op === 'mean' ? g.mean(a, opts) : g.max(a, opts);
    }
    case 'reshape': return reshapeFrom(a, p0, [2, 3, 4, 5]);
    case 'slice': return rank === 0 ? a : sliceFrom(a, p0, p1);
    case 'transpose': return transposeFrom(a, p0, p1);
    case 'concat': return concatFrom(a, b0, p0, g.neg);
    case 'matmul': {
      const m = rank >= 2 ? a : g.reshape(a, [1, g.sizeOf(a.shape)]);
      const perm = m.shape.map((_, k) => k);
      [perm[perm.length - 1], perm[perm.length - 2]] = [perm[perm.length - 2], perm[perm.length - 1]];
      return bounded(g.matmul(m, g.transpose(m, perm)));
    }
    case 'gather': {
      if (rank === 0) return a;
      const axis = p0 % rank;
      const d = a.shape[axis];
      // indices include -1 and d to exercise clamping
      const idx = Array.from({ length: 1 + (p1 % 3) }, (_, k) => ((p2 + 5 * k) % (d + 2)) - 1);
      return g.gather(a, g.constant(idx, [idx.length], 'i32'), axis);
    }
    case 'uniform': return g.mul(a, g.uniform(g.randomKey(p0 % 1000, p1), a.shape, { offset: p2 }));
    case 'normal': return g.add(a, g.tanh(g.normal(g.randomKey(p0 % 1000, p1), a.shape, { offset: p2 })));
    case 'bernoulli': return g.where(g.bernoulli(g.randomKey(p0 % 1000, p1), (p2 % 10) / 10, a.shape), a, g.cast(g.gt(a, THRESHOLD), 'f32'));
    case 'broadcast': return g.add(g.broadcastTo(g.expandDims(a, 0), [1 + (p0 % 2), ...a.shape]), 0.5);
    case 'iota': {
      if (rank === 0) return a;
      const axis = p0 % rank;
      // as a value, or as a one-hot mask against an index (how a gather's gradient scatters)
      return (p1 & 1) === 1 ? g.add(a, g.mul(g.iota(a.shape, axis, 'f32'), 0.25)) : g.where(g.eq(g.iota(a.shape, axis), p2 % a.shape[axis]), a, g.neg(a));
    }
  }
};

export type ProgramOptions = GeneratorOptions;

/** Random programs: 1–maxInputs inputs, up to maxSteps ops, 1–3 outputs drawn from the last nodes. */
export const arbProgram = (options: ProgramOptions = {}): fc.Arbitrary<GeneratedProgram> =>
  arbRecipe({ ops: OPS.length, maxDim: 5, maxInputs: options.maxInputs ?? 3, maxSteps: options.maxSteps ?? 12, maxOutputs: 3 })
    .map(({ shapes, steps, outputs, seed }) => {
      const recipe: string[] = [];
      const decl = Object.fromEntries(shapes.map((s, i) => [`x${i}`, s]));
      const built = g.program(decl, (inputs) => {
        const pool = grownPool(Object.values(inputs), steps, (p, st) => applyStep(p, st, recipe), MAX_SIZE);
        return Object.fromEntries(pool.slice(-outputs).map((t, i) => [`out${i}`, t]));
      });
      if (E.isLeft(built)) throw new Error(`generator built an invalid program: ${built.left.message}\n${recipe.join('\n')}`);
      const feeds = Object.fromEntries(shapes.map((s, i) => [`x${i}`, valuesFrom(seed + i, g.sizeOf(s))]));
      recipe.unshift(`inputs ${shapes.map((s, i) => `x${i}[${s}]`).join(' ')}`);
      return { program: built.right, feeds, recipe };
    });
