// Programs over tensors past 2^24 elements, each with references computed here: f32 ops element by
// element, float64 sums and dot products, the rows a gather takes and the scatter-add of its
// gradient, and the interpreter's Child-Tuning F step. Elements past flat index 2^24 are where f32
// indices (gpu.js, and graft's DSL before) go wrong. Run by the wasm and webgpu suites.
import assert from 'node:assert/strict';
import * as E from 'fp-ts/lib/Either.js';
import * as g from '../../src/dsl/index.js';
import * as o from '../../src/optim/index.js';
import { compile } from '../../src/compiler/index.js';
import type { Plan } from '../../src/compiler/index.js';

export const right = <A>(e: E.Either<unknown, A>): A => {
  if (E.isLeft(e)) throw e.left;
  return e.right;
};
const f = Math.fround;
type Outputs = Readonly<Record<string, Float32Array>>;

/** n values in [-scale, scale), a xorshift stream per seed: cheap for 17M elements. */
export const values = (n: number, seed: number, scale = 1): Float32Array => {
  const out = new Float32Array(n);
  let s = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = ((s >>> 8) / 2 ** 23 - 1) * scale;
  }
  return out;
};

/** The first index where `got` is not `want(i)` bit for bit, or -1. */
export const firstMismatch = (got: Float32Array, want: (i: number) => number): number => {
  for (let i = 0; i < got.length; i++) if (!Object.is(got[i], want(i))) return i;
  return -1;
};

/** |got − want| within f32 rounding of a float64 sum or dot product whose terms' absolute values sum to `abs` (~10x a √n-chunked sum's bound). */
export const closeToSum = (got: number, want: number, abs: number): boolean => Math.abs(got - want) <= 1e-5 * abs + 1e-6;

const R = 4097;
const C = 4100; // R · C = 16,797,700 > 2^24; row 4092 holds flat index 2^24 (column 16)
const V = 33000;
const D = 520; // V · D = 17,160,000 > 2^24; rows from 32264 lie wholly past it

export interface LargeCase {
  readonly name: string;
  /**
   * The plan, its feeds, and the check of a backend's outputs (`on` names the backend in failures). `light`: the same
   * tensors past 2^24 with a shorter inner loop (fewer ids, a smaller k), for a software WebGPU adapter (SwiftShader),
   * where the full case's 10^8 multiply-adds take minutes.
   */
  readonly make: (light?: boolean) => { readonly plan: Plan; readonly feeds: g.Feeds; readonly check: (out: Outputs, on: string) => void };
}

const elementwise: LargeCase = {
  name: 'elementwise with broadcasts and a transpose: every element equals the f32 ops done here',
  make: () => {
    const plan = compile(right(g.program({ x: [R, C], c: [1, C], r: [R, 1] }, ({ x, c, r }) => ({
      y: g.add(g.mul(x, c), r),
      t: g.mul(g.transpose(x, [1, 0]), 2),
    }))));
    const [x, c, r] = [values(R * C, 1), values(C, 2), values(R, 3)];
    return {
      plan,
      feeds: { x, c, r },
      check: (out, on) => {
        assert.equal(out.y.length, R * C);
        assert.equal(firstMismatch(out.y, (i) => f(f(x[i] * c[i % C]) + r[Math.floor(i / C)])), -1, `y on ${on}`);
        // t[j, i] = 2 x[i, j]: reads strided over the whole of x, writes past 2^24
        assert.equal(firstMismatch(out.t, (k) => f(2 * x[(k % R) * C + Math.floor(k / R)])), -1, `t on ${on}`);
      },
    };
  },
};

const reductions: LargeCase = {
  name: 'row and column sums and row maxima: within f32 rounding of float64 sums, maxima exact',
  make: () => {
    const plan = compile(right(g.program({ x: [R, C] }, ({ x }) => ({ rows: g.sum(x, { axes: [1] }), cols: g.sum(x, { axes: [0] }), max: g.max(x, { axes: [1] }) }))));
    const x = values(R * C, 4);
    const [rowSum, rowAbs, rowMax] = [new Float64Array(R), new Float64Array(R), new Float64Array(R).fill(-Infinity)];
    const [colSum, colAbs] = [new Float64Array(C), new Float64Array(C)];
    for (let i = 0; i < R; i++) {
      for (let j = 0; j < C; j++) {
        const v = x[i * C + j];
        rowSum[i] += v;
        rowAbs[i] += Math.abs(v);
        colSum[j] += v;
        colAbs[j] += Math.abs(v);
        if (v > rowMax[i]) rowMax[i] = v;
      }
    }
    const close = (got: Float32Array, want: Float64Array, abs: Float64Array, what: string) =>
      got.forEach((v, i) => assert.ok(closeToSum(v, want[i], abs[i]), `${what}[${i}] = ${v}, want ${want[i]}`));
    return {
      plan,
      feeds: { x },
      check: (out, on) => {
        close(out.rows, rowSum, rowAbs, `rows on ${on}`);
        close(out.cols, colSum, colAbs, `cols on ${on}`);
        assert.deepEqual(Array.from(out.max), Array.from(rowMax), `max on ${on}`);
      },
    };
  },
};

// rows wholly past 2^24 (32264..), the row that straddles it (32263), clamped ids, and ids given twice
const IDS = [0, 1, 32262, 32263, 32264, V - 1, 40000, -3, 32500, 32500, 17, V - 2];
const clampRow = (id: number) => Math.min(Math.max(id, 0), V - 1);

const gather: LargeCase = {
  name: 'an embedding gather of rows past 2^24 takes exactly the rows asked (clamped)',
  make: () => {
    const plan = compile(right(g.program({ table: [V, D], ids: { shape: [IDS.length], dtype: 'i32' } }, ({ table, ids }) => ({ rows: g.gather(table, ids) }))));
    const table = values(V * D, 5);
    return {
      plan,
      feeds: { table, ids: Float32Array.from(IDS) },
      check: (out, on) => assert.equal(firstMismatch(out.rows, (i) => table[clampRow(IDS[Math.floor(i / D)]) * D + (i % D)]), -1, `rows on ${on}`),
    };
  },
};

const gatherGradient: LargeCase = {
  name: 'the gradient of an embedding gather scatter-adds into rows past 2^24, exactly',
  make: (light) => {
    // light: two ids, the row across 2^24 and the last row (wholly past it) twice
    const ids = light ? [32263, V - 1, V - 1] : IDS;
    const n = ids.length;
    const plan = compile(right(g.program({ table: [V, D], ids: { shape: [n], dtype: 'i32' }, w: [n, D] }, ({ table, ids, w }) => ({
      dt: g.grad(g.sum(g.mul(g.gather(table, ids), w)), { table }).table,
    }))));
    const [table, w] = [values(V * D, 5), values(n * D, 6)];
    // each row gets at most two cotangent rows here, so the float64 sum rounded once is the f32 sum
    const dt = new Float64Array(V * D);
    ids.forEach((id, k) => {
      for (let j = 0; j < D; j++) dt[clampRow(id) * D + j] += w[k * D + j];
    });
    return {
      plan,
      feeds: { table, ids: Float32Array.from(ids), w },
      check: (out, on) => {
        assert.equal(out.dt.length, V * D);
        assert.equal(firstMismatch(out.dt, (i) => f(dt[i])), -1, `dt on ${on}`);
      },
    };
  },
};

/** A float64 dot product of n terms and the sum of their absolute values. */
const dot = (n: number, x: (k: number) => number, y: (k: number) => number): [number, number] => {
  let [s, abs] = [0, 0];
  for (let k = 0; k < n; k++) (s += x(k) * y(k)), (abs += Math.abs(x(k) * y(k)));
  return [s, abs];
};

const matmulProduct: LargeCase = {
  name: 'a matmul whose product is past 2^24: within f32 rounding of float64 dots',
  make: (light) => {
    const K = light ? 3 : 64;
    const plan = compile(right(g.program({ a: [R, K], b: [K, C] }, ({ a, b }) => ({ ab: g.matmul(a, b) }))));
    const [a, b] = [values(R * K, 7), values(K * C, 8)];
    // every column of the rows around 2^24 (4090..4096), and spread positions elsewhere
    const positions = [...Array.from({ length: 7 * C }, (_, k) => (R - 7) * C + k), ...Array.from({ length: 4000 }, (_, k) => (k * 4201 + 17) % (R * C))];
    const want = positions.map((p) => dot(K, (k) => a[Math.floor(p / C) * K + k], (k) => b[k * C + (p % C)]));
    return {
      plan,
      feeds: { a, b },
      check: (out, on) => {
        assert.equal(out.ab.length, R * C);
        positions.forEach((p, k) => assert.ok(closeToSum(out.ab[p], ...want[k]), `ab[${p}] = ${out.ab[p]}, want ${want[k][0]} on ${on}`));
      },
    };
  },
};

const lmHead: LargeCase = {
  name: 'a matmul with an operand past 2^24 (an LM head over tied [33000, 520] embeddings): within f32 rounding of float64 dots',
  make: () => {
    const H = 8;
    const plan = compile(right(g.program({ h: [H, D], table: [V, D] }, ({ h, table }) => ({ logits: g.matmul(h, g.transpose(table, [1, 0])) }))));
    const [h, table] = [values(H * D, 9), values(V * D, 10)];
    const logits = Array.from({ length: H * V }, (_, p) => dot(D, (k) => h[Math.floor(p / V) * D + k], (k) => table[(p % V) * D + k]));
    return {
      plan,
      feeds: { h, table },
      check: (out, on) => logits.forEach((l, p) => assert.ok(closeToSum(out.logits[p], ...l), `logits[${p}] = ${out.logits[p]}, want ${l[0]} on ${on}`)),
    };
  },
};

const childTuningF: LargeCase = {
  name: 'a Child-Tuning F step on a [33000, 520] parameter: past 2^24 its mask and update equal the interpreter\'s on that slice',
  make: () => {
    const transform = o.chain(o.childTuning({ mode: 'F', reserveP: 0.3, seed: 1 }), o.scale(-0.5));
    const step = right(o.buildStep(transform, { w: [V, D] })).step;
    const [p, grad] = [values(V * D, 11), values(V * D, 12)];
    const key = g.randomKey(1, 4);
    // the interpreter, too slow for 17M elements, runs the same transform on the tail from just before 2^24 at its global offset
    const from = 2 ** 24 - 1000;
    const tail = right(o.buildStep(transform, { w: [V * D - from] }, undefined, { w: from })).step;
    const want = right(g.interpret(tail, { 'p:w': p.subarray(from), 'g:w': grad.subarray(from), 'key:1': key }, 'f32'))['p:w'];
    const kept = want.reduce((k, v, i) => k + (v !== p[from + i] ? 1 : 0), 0);
    assert.ok(Math.abs(kept / want.length - 0.3) < 0.01, `kept ${kept} of ${want.length}`);
    return {
      plan: compile(step),
      feeds: { 'p:w': p, 'g:w': grad, 'key:1': key },
      check: (out, on) => assert.equal(firstMismatch(out['p:w'].subarray(from), (i) => want[i]), -1, `p on ${on}`),
    };
  },
};

export const LARGE_CASES: readonly LargeCase[] = [elementwise, reductions, gather, gatherGradient, matmulProduct, lmHead, childTuningF];
