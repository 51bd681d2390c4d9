// Tensors past 2^24 elements on the wasm backend, on 1 and 2 threads, against references computed
// here: f32 ops element by element, float64 sums and dot products, the rows a gather takes and the
// scatter-add of its gradient, and the interpreter's Child-Tuning F step. Elements past flat index
// 2^24 are where f32 indices (gpu.js, and graft's DSL before) go wrong.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as E from 'fp-ts/lib/Either.js';
import * as g from '../../../src/dsl/index.js';
import * as o from '../../../src/optim/index.js';
import { compile } from '../../../src/compiler/index.js';
import type { Plan } from '../../../src/compiler/index.js';
import { createWasmRuntime } from '../../../src/runtime/index.js';

const right = <A>(e: E.Either<unknown, A>): A => {
  if (E.isLeft(e)) throw e.left;
  return e.right;
};
const REPORT = { requested: 'wasm', backend: 'wasm' } as const;
const LIMIT = 2 ** 24;
const f = Math.fround;

/** n values in [-1, 1), a xorshift stream per seed: cheap for 17M elements. */
const values = (n: number, seed: number): Float32Array => {
  const out = new Float32Array(n);
  let s = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = (s >>> 8) / 2 ** 23 - 1;
  }
  return out;
};

/**
 * The plan's outputs on a wasm runtime of `threads` threads (created and destroyed here, so only one
 * holds memory at a time); `high`: blocks of 2^30, 2^29, … 2^19 bytes (never touched, so never
 * resident) are taken first, leaving the heap's top 448 KiB below byte 2^31: the tensors then lie
 * across and past 2^31, where addresses turn negative as i32.
 */
const runOn = async (threads: number, plan: Plan, feeds: g.Feeds, high = false): Promise<Record<string, Float32Array>> => {
  const rt = createWasmRuntime(REPORT, { threads });
  try {
    if (high) for (let e = 30; e >= 19; e--) rt.heap.alloc(2 ** e, 'a filler');
    const ex = rt.load(plan);
    const out = right(await ex.run(feeds));
    assert.equal(ex.info()?.threads, threads);
    return out as Record<string, Float32Array>;
  } finally {
    rt.destroy();
  }
};

/** The first index where `got` is not `want(i)` bit for bit, or -1. */
const firstMismatch = (got: Float32Array, want: (i: number) => number): number => {
  for (let i = 0; i < got.length; i++) if (!Object.is(got[i], want(i))) return i;
  return -1;
};

const R = 4097;
const C = 4100; // R · C = 16,797,700 > 2^24; row 4092 holds flat index 2^24 (column 16)
const V = 33000;
const D = 520; // V · D = 17,160,000 > 2^24; rows from 32264 lie wholly past it

describe('tensors past 2^24 elements on wasm (1 and 2 threads)', () => {
  it('elementwise with broadcasts and a transpose: every element equals the f32 ops done here', async () => {
    const plan = compile(right(g.program({ x: [R, C], c: [1, C], r: [R, 1] }, ({ x, c, r }) => ({
      y: g.add(g.mul(x, c), r),
      t: g.mul(g.transpose(x, [1, 0]), 2),
    }))));
    const [x, c, r] = [values(R * C, 1), values(C, 2), values(R, 3)];
    for (const threads of [1, 2]) {
      const out = await runOn(threads, plan, { x, c, r });
      assert.equal(out.y.length, R * C);
      assert.equal(firstMismatch(out.y, (i) => f(f(x[i] * c[i % C]) + r[Math.floor(i / C)])), -1, `y on ${threads} threads`);
      // t[j, i] = 2 x[i, j]: reads strided over the whole of x, writes past 2^24
      assert.equal(firstMismatch(out.t, (k) => f(2 * x[(k % R) * C + Math.floor(k / R)])), -1, `t on ${threads} threads`);
    }
  });

  it('row and column sums and row maxima: within f32 rounding of float64 sums, maxima exact', async () => {
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
    // f32 sums in √n chunks: error ≤ ~2√n ulp of the absolute sum; 1e-5 of it is ~10x that
    const close = (got: Float32Array, want: Float64Array, abs: Float64Array, what: string) =>
      got.forEach((v, i) => assert.ok(Math.abs(v - want[i]) <= 1e-5 * abs[i] + 1e-6, `${what}[${i}] = ${v}, want ${want[i]}`));
    for (const threads of [1, 2]) {
      const out = await runOn(threads, plan, { x });
      close(out.rows, rowSum, rowAbs, `rows on ${threads} threads`);
      close(out.cols, colSum, colAbs, `cols on ${threads} threads`);
      assert.deepEqual(Array.from(out.max), Array.from(rowMax), `max on ${threads} threads`);
    }
  });

  it('an embedding gather past 2^24 takes exactly the rows asked (clamped), and its gradient scatter-adds into them', async () => {
    // rows wholly past 2^24 (32264..), the row that straddles it (32263), clamped ids, and ids given twice
    const ids = [0, 1, 32262, 32263, 32264, V - 1, 40000, -3, 32500, 32500, 17, V - 2];
    const n = ids.length;
    const plan = compile(right(g.program({ table: [V, D], ids: { shape: [n], dtype: 'i32' }, w: [n, D] }, ({ table, ids, w }) => {
      const rows = g.gather(table, ids);
      return { rows, dt: g.grad(g.sum(g.mul(rows, w)), { table }).table };
    })));
    const [table, w] = [values(V * D, 5), values(n * D, 6)];
    const row = (id: number) => Math.min(Math.max(id, 0), V - 1);
    // each row gets at most two cotangent rows here, so the float64 sum rounded once is the f32 sum
    const dt = new Float64Array(V * D);
    ids.forEach((id, k) => {
      for (let j = 0; j < D; j++) dt[row(id) * D + j] += w[k * D + j];
    });
    for (const threads of [1, 2]) {
      const out = await runOn(threads, plan, { table, ids: Float32Array.from(ids), w });
      assert.equal(firstMismatch(out.rows, (i) => table[row(ids[Math.floor(i / D)]) * D + (i % D)]), -1, `rows on ${threads} threads`);
      assert.equal(out.dt.length, V * D);
      assert.equal(firstMismatch(out.dt, (i) => f(dt[i])), -1, `dt on ${threads} threads`);
    }
  });

  it('matmuls with a product past 2^24 and with an operand past 2^24 (an LM head over tied embeddings): within f32 rounding of float64 dots', async () => {
    const K = 64;
    const H = 8;
    const plan = compile(right(g.program({ a: [R, K], b: [K, C], h: [H, D], table: [V, D] }, ({ a, b, h, table }) => ({
      ab: g.matmul(a, b),
      logits: g.matmul(h, g.transpose(table, [1, 0])),
    }))));
    const [a, b, h, table] = [values(R * K, 7), values(K * C, 8), values(H * D, 9), values(V * D, 10)];
    const dot = (n: number, x: (k: number) => number, y: (k: number) => number): [number, number] => {
      let [s, abs] = [0, 0];
      for (let k = 0; k < n; k++) (s += x(k) * y(k)), (abs += Math.abs(x(k) * y(k)));
      return [s, abs];
    };
    // every column of the rows around 2^24 (4090..4096), and spread positions elsewhere
    const positions = [...Array.from({ length: 7 * C }, (_, k) => (R - 7) * C + k), ...Array.from({ length: 4000 }, (_, k) => (k * 4201 + 17) % (R * C))];
    const want = positions.map((p) => dot(K, (k) => a[Math.floor(p / C) * K + k], (k) => b[k * C + (p % C)]));
    const logits = Array.from({ length: H * V }, (_, p) => dot(D, (k) => h[Math.floor(p / V) * D + k], (k) => table[(p % V) * D + k]));
    const close = (got: number, [s, abs]: [number, number]) => Math.abs(got - s) <= 1e-5 * abs + 1e-6;
    for (const threads of [1, 2]) {
      const out = await runOn(threads, plan, { a, b, h, table });
      assert.equal(out.ab.length, R * C);
      positions.forEach((p, k) => assert.ok(close(out.ab[p], want[k]), `ab[${p}] = ${out.ab[p]}, want ${want[k][0]} (${threads} threads)`));
      logits.forEach((l, p) => assert.ok(close(out.logits[p], l), `logits[${p}] = ${out.logits[p]}, want ${l[0]} (${threads} threads)`));
    }
  });

  it('a Child-Tuning F step on a [33000, 520] parameter: past 2^24 its mask and update equal the interpreter\'s on that slice', async () => {
    const transform = o.chain(o.childTuning({ mode: 'F', reserveP: 0.3, seed: 1 }), o.scale(-0.5));
    const step = right(o.buildStep(transform, { w: [V, D] })).step;
    const [p, grad] = [values(V * D, 11), values(V * D, 12)];
    const key = g.randomKey(1, 4);
    // the interpreter, too slow for 17M elements, runs the same transform on the tail from just before 2^24 at its global offset
    const from = LIMIT - 1000;
    const tail = right(o.buildStep(transform, { w: [V * D - from] }, undefined, { w: from })).step;
    const want = right(g.interpret(tail, { 'p:w': p.subarray(from), 'g:w': grad.subarray(from), 'key:1': key }, 'f32'))['p:w'];
    const kept = want.reduce((k, v, i) => k + (v !== p[from + i] ? 1 : 0), 0);
    assert.ok(Math.abs(kept / want.length - 0.3) < 0.01, `kept ${kept} of ${want.length}`);
    const plan = compile(step);
    for (const threads of [1, 2]) {
      const out = (await runOn(threads, plan, { 'p:w': p, 'g:w': grad, 'key:1': key }))['p:w'];
      assert.equal(firstMismatch(out.subarray(from), (i) => want[i]), -1, `p on ${threads} threads`);
    }
  });

  it('tensors across and past byte 2^31 of memory (addresses negative as i32): elementwise, sums, a tiled matmul, a gather and Child-Tuning F as the references', async () => {
    const [m, k, n] = [129, 64, 1300]; // b (332,800 bytes) is placed across byte 2^31
    const transform = o.chain(o.childTuning({ mode: 'F', reserveP: 0.3, seed: 1 }), o.scale(-0.5));
    const step = right(o.buildStep(transform, { w: [1000, 52] })).step;
    const prog = right(g.program({ a: [m, k], b: [k, n], ids: { shape: [3], dtype: 'i32' }, c: [1, n] }, ({ a, b, ids, c }) => ({
      ab: g.matmul(a, b),
      y: g.add(g.mul(b, c), 1),
      rows: g.sum(b, { axes: [1] }),
      picked: g.gather(a, ids),
    })));
    const [a, b, c, p, grad] = [values(m * k, 13), values(k * n, 14), values(n, 15), values(52000, 16), values(52000, 17)];
    const ids = [5, m - 1, 0];
    const key = g.randomKey(2, 9);
    const wantStep = right(g.interpret(step, { 'p:w': p, 'g:w': grad, 'key:1': key }, 'f32'))['p:w'];
    for (const threads of [1, 2]) {
      const out = await runOn(threads, compile(prog), { a, b, ids: Float32Array.from(ids), c }, true);
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let [s, abs] = [0, 0];
          for (let q = 0; q < k; q++) (s += a[i * k + q] * b[q * n + j]), (abs += Math.abs(a[i * k + q] * b[q * n + j]));
          assert.ok(Math.abs(out.ab[i * n + j] - s) <= 1e-5 * abs + 1e-6, `ab[${i}, ${j}] = ${out.ab[i * n + j]}, want ${s}`);
        }
      }
      assert.equal(firstMismatch(out.y, (i) => f(f(b[i] * c[i % n]) + 1)), -1, 'y');
      out.rows.forEach((v, i) => {
        const row = Array.from(b.subarray(i * n, (i + 1) * n));
        assert.ok(Math.abs(v - row.reduce((x, y) => x + y, 0)) <= 1e-5 * row.reduce((x, y) => x + Math.abs(y), 0) + 1e-6, `rows[${i}]`);
      });
      assert.equal(firstMismatch(out.picked, (i) => a[ids[Math.floor(i / k)] * k + (i % k)]), -1, 'picked');
      const stepOut = (await runOn(threads, compile(step), { 'p:w': p, 'g:w': grad, 'key:1': key }, true))['p:w'];
      assert.equal(firstMismatch(stepOut, (i) => wantStep[i]), -1, `Child-Tuning F on ${threads} threads`);
    }
  });
});
