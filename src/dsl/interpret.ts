// The float64 reference interpreter: the oracle every compiled result is tested against.
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import type { Shape } from './shape.js';
import { ravel, sizeOf, unravel } from './shape.js';
import type { BinaryFn, Tensor, UnaryFn } from './tensor.js';
import type { Program } from './program.js';
import type { FeedError, Feeds } from './feeds.js';
import { checkFeeds } from './feeds.js';
import { topoOrder } from './graph.js';
import { DOMAIN, bernoulliThreshold, bitsToUniform, drawBits, uniformAt } from './counter-hash.js';
import { erf64 } from './erf64.js';
import type { Transcendental } from './transcendentals/index.js';
import { f32Transcendental } from './transcendentals/index.js';

/**
 * How each intermediate is rounded: not at all (float64, the default), or to float32 after every
 * operation, as the compiled kernels compute; composite ops (rsqrt, Box-Muller) round each step, and
 * exp, log, tanh, erf and cos take the kernels' own float32 steps (transcendentals/), not Math's.
 */
export type Precision = 'f64' | 'f32';
type Round = (x: number) => number;
const roundings: Record<Precision, Round> = { f64: (x) => x, f32: Math.fround };

/** Math's float64 function, or in f32 the float32 steps every backend takes. */
const transcendental = (precision: Precision, fn: Transcendental, f64: (x: number) => number) =>
  precision === 'f32' ? (x: number) => f32Transcendental(fn, x) : f64;

const unary = (precision: Precision): Record<UnaryFn, (x: number) => number> => ({
  neg: (x) => -x,
  abs: Math.abs,
  sqrt: Math.sqrt,
  rsqrt: (x) => 1 / roundings[precision](Math.sqrt(x)),
  exp: transcendental(precision, 'exp', Math.exp),
  log: transcendental(precision, 'log', Math.log),
  tanh: transcendental(precision, 'tanh', Math.tanh),
  erf: transcendental(precision, 'erf', erf64),
  floor: Math.floor,
  cos: transcendental(precision, 'cos', Math.cos),
  not: (x) => (x ? 0 : 1),
});
const UNARIES: Record<Precision, Record<UnaryFn, (x: number) => number>> = { f64: unary('f64'), f32: unary('f32') };

const BINARY: Record<BinaryFn, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: Math.pow,
  min: Math.min,
  max: Math.max,
  lt: (a, b) => +(a < b),
  le: (a, b) => +(a <= b),
  gt: (a, b) => +(a > b),
  ge: (a, b) => +(a >= b),
  eq: (a, b) => +(a === b),
  ne: (a, b) => +(a !== b),
  and: (a, b) => +(a !== 0 && b !== 0),
  or: (a, b) => +(a !== 0 || b !== 0),
};

/** Box-Muller on two 24-bit uniforms; 1 - u keeps the log argument in (0, 1]. */
export const boxMuller = (u1: number, u2: number, precision: Precision = 'f64'): number => {
  const [r, f] = [roundings[precision], UNARIES[precision]];
  return r(r(Math.sqrt(-2 * f.log(r(1 - u1)))) * f.cos(r(r(2 * Math.PI) * u2)));
};

/** Read `src` (of shape `from`) at the position that output index `idx` maps to. */
const mapIndex = (shape: Shape, f: (idx: number[]) => number): Float64Array => {
  const out = new Float64Array(sizeOf(shape));
  for (let i = 0; i < out.length; i++) out[i] = f(unravel(i, shape));
  return out;
};

const evalNode = (t: Tensor, args: Float64Array[], feeds: Record<string, ArrayLike<number>>, precision: Precision): Float64Array => {
  const r = roundings[precision];
  const op = t.op;
  const n = sizeOf(t.shape);
  switch (op.kind) {
    case 'input':
      return Float64Array.from(feeds[op.name]);
    case 'constant':
      return op.values.length === 1 ? new Float64Array(n).fill(op.values[0]) : Float64Array.from(op.values);
    case 'unary':
      return args[0].map(UNARIES[precision][op.fn]);
    case 'binary': {
      const f = BINARY[op.fn];
      const [a, b] = args;
      return a.map((x, i) => f(x, b[i]));
    }
    case 'where':
      return args[0].map((c, i) => (c ? args[1][i] : args[2][i]));
    case 'cast': {
      const from = t.inputs[0].dtype;
      const to = t.dtype;
      return args[0].map((x) => (to === 'bool' ? +(x !== 0) : to === 'i32' && from === 'f32' ? Math.trunc(x) : x));
    }
    case 'broadcast': {
      const src = t.inputs[0].shape;
      // a scalar (an lr, a constant) spread over a large tensor: no index arithmetic per element
      if (sizeOf(src) === 1) return new Float64Array(n).fill(args[0][0]);
      const lead = t.shape.length - src.length;
      return mapIndex(t.shape, (idx) => args[0][ravel(src.map((d, k) => (d === 1 ? 0 : idx[lead + k])), src)]);
    }
    case 'reshape':
      return args[0].slice();
    case 'slice':
      return mapIndex(t.shape, (idx) => args[0][ravel(idx.map((v, k) => v + op.starts[k]), t.inputs[0].shape)]);
    case 'transpose': {
      const src = t.inputs[0].shape;
      return mapIndex(t.shape, (idx) => {
        const from = new Array<number>(src.length);
        op.perm.forEach((p, k) => (from[p] = idx[k]));
        return args[0][ravel(from, src)];
      });
    }
    case 'concat':
      return mapIndex(t.shape, (idx) => {
        let pos = idx[op.axis];
        for (let j = 0; j < t.inputs.length; j++) {
          const s = t.inputs[j].shape;
          if (pos < s[op.axis]) return args[j][ravel(idx.map((v, k) => (k === op.axis ? pos : v)), s)];
          pos -= s[op.axis];
        }
        throw new Error('unreachable: concat index out of range');
      });
    case 'gather': {
      const [x, indices] = t.inputs;
      const a = op.axis;
      const ir = indices.shape.length;
      return mapIndex(t.shape, (idx) => {
        const at = args[1][ravel(idx.slice(a, a + ir), indices.shape)];
        const clamped = Math.min(Math.max(at, 0), x.shape[a] - 1);
        return args[0][ravel([...idx.slice(0, a), clamped, ...idx.slice(a + ir)], x.shape)];
      });
    }
    case 'reduce': {
      const src = t.inputs[0].shape;
      const out = new Float64Array(n).fill(op.fn === 'sum' ? 0 : -Infinity);
      const keep = src.map((_, k) => !op.axes.includes(k));
      const outShape = t.shape;
      for (let i = 0; i < args[0].length; i++) {
        const idx = unravel(i, src).filter((_, k) => keep[k]);
        const j = ravel(idx, outShape);
        out[j] = op.fn === 'sum' ? r(out[j] + args[0][i]) : Math.max(out[j], args[0][i]);
      }
      return out;
    }
    case 'iota':
      return mapIndex(t.shape, (idx) => idx[op.axis]);
    case 'matmul': {
      const [a, b] = args;
      const [m, k] = t.inputs[0].shape.slice(-2);
      const nn = t.shape[t.shape.length - 1];
      const batches = n / (m * nn || 1);
      const out = new Float64Array(n);
      for (let bt = 0; bt < batches; bt++)
        for (let i = 0; i < m; i++)
          for (let j = 0; j < nn; j++) {
            let s = 0;
            for (let q = 0; q < k; q++) s = r(s + r(a[bt * m * k + i * k + q] * b[bt * k * nn + q * nn + j]));
            out[bt * m * nn + i * nn + j] = s;
          }
      return out;
    }
    case 'random': {
      const key = op.key ?? args[0][0];
      const out = new Float64Array(n);
      const threshold = op.dist.kind === 'bernoulli' ? bernoulliThreshold(op.dist.p) : 0;
      for (let i = 0; i < n; i++) {
        const u = uniformAt(key, op.offset + i);
        out[i] = op.dist.kind === 'uniform' ? u : op.dist.kind === 'bernoulli' ? +(u < threshold) : boxMuller(u, bitsToUniform(drawBits(key, op.offset + i, DOMAIN.second)), precision);
      }
      return out;
    }
  }
};

/**
 * Evaluate every output, in float64 unless `precision` says 'f32'. Feeds are checked first; all
 * problems are reported at once. In f32 a sum adds in index order, so it equals a compiled sum only
 * where every partial sum is exact.
 */
export const interpret = (prog: Program, feeds: Feeds, precision: Precision = 'f64'): E.Either<FeedError, Record<string, Float64Array>> =>
  pipe(
    checkFeeds(prog.inputs, feeds),
    E.map((checked) => {
      const r = roundings[precision];
      const values = new Map<number, Float64Array>();
      for (const t of topoOrder(Object.values(prog.outputs))) {
        const v = evalNode(t, t.inputs.map((i) => values.get(i.id)!), checked, precision);
        values.set(t.id, precision === 'f32' ? v.map(r) : v);
      }
      return Object.fromEntries(Object.entries(prog.outputs).map(([name, t]) => [name, values.get(t.id)!]));
    }),
  );

