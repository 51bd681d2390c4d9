// fast-check generator of programs whose outputs hinge on exact comparisons: eq, argmax, a max then
// a compare, where on a comparison, a value against its own mean. No tolerance can hold such outputs
// to a reference, so each output says whether the math fixes its float32 bits: every op rounds
// once (the f32 interpreter's rule), and any sum it depends on is exact, so its order cannot matter.
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import * as g from '../src/dsl/index.js';
import type { Program, Tensor } from '../src/dsl/index.js';
import { argmax } from '../src/nn/index.js';
import { mulberry32 } from './mulberry32.js';
import type { GeneratorOptions, Step } from './recipe.js';
import { arbRecipe, bounded, grownPool, pick } from './recipe.js';

export interface ComparisonProgram {
  readonly program: Program;
  readonly feeds: Readonly<Record<string, Float32Array>>;
  /** Outputs whose float32 bits the f32 interpreter must reproduce (no inexact sum upstream). */
  readonly orderFree: readonly string[];
  /** One line per step, for failure reports. */
  readonly recipe: readonly string[];
}

/**
 * What is known of a tensor's values: `bound` when they are integers of at most that magnitude (so
 * sums of them are exact), `orderFree` when no inexact sum feeds them.
 */
interface Known {
  readonly bound?: number;
  readonly orderFree: boolean;
}

const OPS = ['add', 'sub', 'mul', 'div', 'squash', 'matmul', 'sum', 'max-reduce', 'argmax', 'is-max', 'where-compare', 'compare', 'max-minus-eq', 'above-mean', 'neg'] as const;
const ALONG_AN_AXIS = new Set<string>(['sum', 'max-reduce', 'argmax', 'is-max', 'max-minus-eq', 'above-mean']);
const COMPARE = [g.lt, g.le, g.gt, g.ge, g.eq, g.ne] as const;

/** Integer partial sums below this stay exact in float32 (2^24) with room to spare. */
const EXACT_SUM = 2 ** 22;
const MAX_SIZE = 2048;

const integersFrom = (seed: number, n: number): Float32Array => {
  const r = mulberry32(seed);
  return Float32Array.from({ length: n }, () => Math.floor(r() * 9) - 4);
};
/** Full-mantissa float32 values in [-2, 2): their sums round, so their order matters. */
const roughFrom = (seed: number, n: number): Float32Array => {
  const r = mulberry32(seed);
  return Float32Array.from({ length: n }, () => r() * 4 - 2);
};
const isIntegerInput = (i: number, seed: number) => ((seed >> i) & 1) === 1;

/** Values clamped to ±c: exact, so an integer tensor stays one, with a smaller bound. */
const clamp = (t: Tensor, c: number): Tensor => g.minimum(g.maximum(t, -c), c);

export const arbComparisonProgram = (options: GeneratorOptions = {}): fc.Arbitrary<ComparisonProgram> =>
  arbRecipe({ ops: OPS.length, maxDim: 6, maxInputs: options.maxInputs ?? 3, maxSteps: options.maxSteps ?? 8, maxOutputs: 3 }).map(({ shapes, steps, outputs, seed }) => {
    const recipe: string[] = [`inputs ${shapes.map((s, i) => `x${i}[${s}]${isIntegerInput(i, seed) ? ' integers' : ''}`).join(' ')}`];
    const known = new Map<Tensor, Known>();
    // a tensor the pool made (a big result's bounded sum) is treated as order-dependent
    const of = (t: Tensor): Known => known.get(t) ?? { orderFree: false };
    const both = (a: Known, b: Known, bound?: number): Known => ({ orderFree: a.orderFree && b.orderFree, ...(bound !== undefined ? { bound } : {}) });
    /** A sum of n terms of `a`: exact when they are small integers (clamped to fit), else order-dependent. */
    const summed = (a: Tensor, n: number, f: (t: Tensor) => Tensor, square = false): [Tensor, Known] => {
      const k = of(a);
      if (k.bound === undefined) return [f(a), { orderFree: false }];
      const c = Math.max(1, Math.floor(square ? Math.sqrt(EXACT_SUM / n) : EXACT_SUM / n));
      const fit = k.bound > c ? clamp(a, c) : a;
      const b = Math.min(k.bound, c);
      return [f(fit), { orderFree: k.orderFree, bound: n * (square ? b * b : b) }];
    };
    const apply = (pool: Tensor[], st: Step): [Tensor, Known] => {
      const op = pick(OPS, st.kind);
      const a = pick(pool, st.a);
      const b0 = pick(pool, st.b);
      // an operand that does not broadcast enters as its max: exact, so it keeps what is known
      const b = g.broadcastShapes(a.shape, b0.shape) ? b0 : g.max(b0);
      const [ka, kb] = [of(a), of(b0)];
      const [p0, p1] = st.p;
      const rank = a.shape.length;
      const lastAxes = { axes: [rank - 1], keepDims: true };
      recipe.push(`${op}(#${pool.indexOf(a)}, #${pool.indexOf(b0)}) p=[${st.p}]`);
      if (rank === 0 && ALONG_AN_AXIS.has(op)) return [a, ka];
      switch (op) {
        case 'add':
        case 'sub': {
          const bound = ka.bound !== undefined && kb.bound !== undefined ? ka.bound + kb.bound : undefined;
          return [op === 'add' ? g.add(a, b) : g.sub(a, b), both(ka, kb, bound !== undefined && bound <= EXACT_SUM ? bound : undefined)];
        }
        case 'mul':
          // integers clamped to ±32 multiply exactly; anything else is squashed so values stay bounded
          if (ka.bound !== undefined && kb.bound !== undefined) return [g.mul(clamp(a, 32), clamp(b, 32)), both(ka, kb, Math.min(ka.bound, 32) * Math.min(kb.bound, 32))];
          return [bounded(g.mul(a, b)), both(ka, kb)];
        case 'div':
          return [g.div(a, g.add(g.abs(b), 1)), both(ka, kb)];
        case 'squash':
          return [g.div(g.exp(g.tanh(a)), g.sqrt(g.add(g.abs(a), 0.25))), { orderFree: ka.orderFree }];
        case 'matmul': {
          const m = rank >= 2 ? a : g.reshape(a, [1, g.sizeOf(a.shape)]);
          known.set(m, ka);
          const perm = m.shape.map((_, k) => k);
          [perm[perm.length - 1], perm[perm.length - 2]] = [perm[perm.length - 2], perm[perm.length - 1]];
          const k = m.shape[m.shape.length - 1];
          const [t, kt] = summed(m, k, (x) => g.matmul(x, g.transpose(x, perm)), true);
          return kt.bound === undefined ? [bounded(t), kt] : [t, kt];
        }
        case 'sum': {
          const axes = a.shape.map((_, k) => k).filter((k) => ((p0 >> k) & 1) === 1);
          const opts = { axes: axes.length ? axes : [p1 % rank], keepDims: (p1 & 2) === 2 };
          return summed(a, g.sizeOf(opts.axes.map((k) => a.shape[k])), (x) => g.sum(x, opts));
        }
        case 'max-reduce':
          return [g.max(a, { axes: [p0 % rank] }), ka];
        case 'argmax':
          return [g.cast(argmax(a), 'f32'), { orderFree: ka.orderFree, bound: a.shape[rank - 1] }];
        case 'is-max':
          // the max is taken in one kernel, `a` recomputed for the comparison in another
          return [g.cast(g.eq(a, g.max(a, lastAxes)), 'f32'), { orderFree: ka.orderFree, bound: 1 }];
        case 'where-compare': {
          const bound = ka.bound !== undefined && kb.bound !== undefined ? Math.max(ka.bound, kb.bound) : undefined;
          return [g.where(pick(COMPARE, p0)(a, b), a, b), both(ka, kb, bound)];
        }
        case 'compare':
          return [g.cast(pick(COMPARE, p0)(a, b), 'f32'), both(ka, kb, 1)];
        case 'max-minus-eq':
          // a - max(a) is 0 exactly where a is the max (finite floats: x - y = 0 iff x = y)
          return [g.where(g.eq(g.sub(a, g.max(a, lastAxes)), 0), 1, g.neg(a)), { orderFree: ka.orderFree }];
        case 'above-mean': {
          const n = g.sizeOf(lastAxes.axes.map((k) => a.shape[k]));
          const [m, km] = summed(a, n, (x) => g.mean(x, lastAxes));
          return [g.cast(g.ge(a, m), 'f32'), { orderFree: km.orderFree && ka.orderFree, bound: 1 }];
        }
        case 'neg':
          return [g.neg(a), ka];
      }
    };
    const built = g.program(Object.fromEntries(shapes.map((s, i) => [`x${i}`, s])), (inputs) => {
      Object.values(inputs).forEach((t, i) => known.set(t, isIntegerInput(i, seed) ? { orderFree: true, bound: 4 } : { orderFree: true }));
      const pool = grownPool(Object.values(inputs), steps, (p, st) => {
        const [t, k] = apply(p, st);
        known.set(t, k);
        return t;
      }, MAX_SIZE);
      return Object.fromEntries(pool.slice(-outputs).map((t, i) => [`out${i}`, t]));
    });
    if (E.isLeft(built)) throw new Error(`generator built an invalid program: ${built.left.message}\n${recipe.join('\n')}`);
    const program = built.right;
    const feeds = Object.fromEntries(shapes.map((s, i) => [`x${i}`, (isIntegerInput(i, seed) ? integersFrom : roughFrom)(seed + i, g.sizeOf(s))]));
    const orderFree = Object.entries(program.outputs).filter(([, t]) => of(t).orderFree).map(([name]) => name);
    return { program, feeds, orderFree, recipe };
  });
