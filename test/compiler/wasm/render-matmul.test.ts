// Tiled matmul kernels: the same bits as the per-element wasm path and the f32 interpreter's
// index-order sum, for any shape (tails in rows, columns and k), operand layout, batch and fused
// prologue or epilogue, on one thread or two; float64 within tolerance; FMA opt-in and reported.
import v8 from 'node:v8';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as E from 'fp-ts/lib/Either.js';
import * as g from '../../../src/dsl/index.js';
import { interpret } from '../../../src/dsl/interpret.js';
import { compile } from '../../../src/compiler/index.js';
import type { Plan } from '../../../src/compiler/plan.js';
import { RenderError, renderWasm } from '../../../src/compiler/wasm/render.js';
import { PACK_MIN_ROWS, PACK_ROWS_LONG_K, PACK_STORED_ROWS, packing, tileShape, tiledUnits } from '../../../src/compiler/wasm/render-matmul.js';
import { relaxedSimdProbe } from '../../../src/compiler/wasm/probe.js';
import type { Runtime } from '../../../src/runtime/index.js';
import { createRuntime, createWasmRuntime } from '../../../src/runtime/index.js';
import { cases, feedsFor } from '../matmul-cases.js';
import { mergeHeads, scaledDotProductAttention, splitHeads } from '../../../src/nn/attention.js';

const right = <A>(e: E.Either<unknown, A>): A => {
  if (E.isLeft(e)) throw e.left;
  return e.right;
};

/** The plan without tilings, and without its stored (tiled) modules, which a spread would carry: the runtime renders it per element. */
const untiled = (plan: Plan): Plan => {
  const { wasm: _stored, ...rest } = plan;
  return { ...rest, kernelIR: plan.kernelIR!.map(({ tiling: _, ...k }) => k) };
};

const bits = (x: ArrayLike<number>) => new Uint32Array(Float32Array.from(x).buffer);

/** Index of the first element whose f32 bits differ, or -1. */
const firstDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  const [x, y] = [bits(a), bits(b)];
  if (x.length !== y.length) return 0;
  return x.findIndex((v, i) => v !== y[i]);
};

describe('tiled matmul on wasm: bit for bit', () => {
  let one: Runtime;
  let two: Runtime;
  before(async () => {
    one = await createRuntime({ backend: 'wasm', threads: 1, fma: false });
    two = await createRuntime({ backend: 'wasm', threads: 2, fma: false });
  });
  after(() => {
    one.destroy();
    two.destroy();
  });

  // tails in every dimension: rows not a multiple of 4 or 6, columns not of 8 or 4 (or fewer than 4), k not of 4, 1s; the last
  // has k·n·4 bytes past a panel (256 KiB), so its columns split into two panels; k = 1030 packs every row factor (four k
  // steps a vector, transposed in registers, then two single steps), one group of four rows a unit
  // from 8 rows a column factor read along k is packed, from 16 a stored one whose rows crowd L1 (n a multiple of 64):
  // ragged rows and k, a last block of four columns (n − n % 4 not a multiple of 8), or none (n < 4)
  const shapes: [number, number, number][] = [[1, 1, 1], [3, 5, 7], [4, 4, 8], [5, 9, 12], [9, 17, 21], [8, 3, 16], [13, 8, 33], [2, 1, 6], [5, 7, 3], [7, 700, 101], [17, 13, 21], [19, 6, 30], [16, 33, 40], [21, 5, 3], [23, 2, 12], [17, 13, 128], [19, 7, 64], [9, 1030, 20]];
  for (const [m, k, n] of shapes) {
    it(`equals the untiled path and the f32 interpreter, ${m}x${k}x${n}`, async () => {
      for (const [ci, cs] of cases(m, k, n).entries()) {
        const prog = right(cs.program);
        const plan = compile(prog);
        const product = plan.kernelIR!.find((x) => x.fused.includes('matmul'))!;
        const rendered = renderWasm(product, { maxPages: 256 });
        assert.ok(WebAssembly.validate(rendered.bytes), cs.label);
        // k = 1 folds the inner index away: nothing to tile
        if (k > 1) assert.match(rendered.schedule, /^tiled/, `${cs.label}: ${rendered.schedule}`);
        // a column factor read along k (x·Wᵀ, aᵀ·bᵀ, q·kᵀ) runs packed from 8 rows; one read as stored rows from 16, if n % 64 = 0
        // or it has a prologue (b − 1: packed as its value); a row factor with a prologue (0.5·a) from 16 columns
        const alongK = /x·Wᵀ|aᵀ·bᵀ|q·kᵀ/.test(cs.label);
        const rowPrologue = /0\.5·a/.test(cs.label) && n >= 16;
        // a row factor read with a k stride (xᵀ·g, aᵀ·bᵀ) from 16 columns, in tiles of four rows (not the 6-row transposed ones)
        // (and any row factor from k = 1024: its tile and a column block no longer share L1)
        const transposedTiles = alongK && m < PACK_MIN_ROWS && k >= 4;
        const rowsStrided = (/xᵀ·g|aᵀ·bᵀ/.test(cs.label) ? m > 1 : k >= PACK_ROWS_LONG_K) && n >= 16 && !transposedTiles;
        const packs = k > 1 && n >= 4 && (rowPrologue || rowsStrided || (alongK ? m >= PACK_MIN_ROWS : m >= PACK_STORED_ROWS && (n % 64 === 0 || /b − 1/.test(cs.label))));
        assert.equal(/packed/.test(rendered.schedule), packs, `${cs.label}: ${rendered.schedule}`);
        if (k === 700 && product.tiling) {
          const s = tileShape(product.tiling);
          assert.ok(s.panel < n - (n % 4), `${cs.label}: one panel of ${s.panel} columns`);
          assert.equal(rendered.size, (packing(product.tiling)?.units ?? 0) + tiledUnits(product.tiling, s));
        }
        const feeds = feedsFor(cs.shapes, 100 * ci + m);
        const tiled = right(await one.load(plan).run(feeds)).y;
        const plain = right(await one.load(untiled(plan)).run(feeds)).y;
        const f32 = right(interpret(prog, feeds, 'f32')).y;
        const f64 = right(interpret(prog, feeds, 'f64')).y;
        assert.equal(firstDiff(tiled, plain), -1, `${cs.label}: tiled vs untiled wasm`);
        assert.equal(firstDiff(tiled, f32), -1, `${cs.label}: tiled vs the f32 interpreter`);
        const scale = Math.max(1, ...Array.from(f64, Math.abs));
        const worst = Math.max(0, ...Array.from(tiled, (v, i) => Math.abs(v - f64[i])));
        assert.ok(worst <= 1e-6 * k * scale, `${cs.label}: off float64 by ${worst}`);
      }
    });
  }

  it('a row factor read with a k stride (xᵀ·g, aᵀ·bᵀ) is packed in groups of four rows, a few groups a unit: same bits as untiled, the f32 interpreter and two threads', async () => {
    // 45 rows: 11 full groups and one of a single row; k = 300 gives 4 groups a unit, so units [0,4) [4,8) [8,11) + the partial one
    for (const cs of cases(45, 300, 40).filter((x) => /xᵀ·g|aᵀ·bᵀ/.test(x.label))) {
      const prog = right(cs.program);
      const plan = compile(prog);
      const product = plan.kernelIR!.find((x) => x.fused.includes('matmul'))!;
      const rows = packing(product.tiling!)?.rows;
      assert.deepEqual([rows?.width, rows?.groups], [48, 4], cs.label);
      const feeds = feedsFor(cs.shapes, 41);
      const tiled = right(await one.load(plan).run(feeds)).y;
      assert.equal(firstDiff(tiled, right(await one.load(untiled(plan)).run(feeds)).y), -1, `${cs.label}: tiled vs untiled wasm`);
      assert.equal(firstDiff(tiled, right(interpret(prog, feeds, 'f32')).y), -1, `${cs.label}: tiled vs the f32 interpreter`);
      assert.equal(firstDiff(tiled, right(await two.load(plan).run(feeds)).y), -1, `${cs.label}: one thread vs two`);
    }
  });

  it('splitting packing and row tiles across two threads changes no bit (shapes big enough to split)', async () => {
    for (const cs of [...cases(37, 70, 90), ...cases(64, 97, 76), ...cases(40, 50, 128)]) {
      const plan = compile(right(cs.program));
      const feeds = feedsFor(cs.shapes, 7);
      const a = right(await one.load(plan).run(feeds)).y;
      const exe = two.load(plan);
      const b = right(await exe.run(feeds)).y;
      assert.equal(exe.info()?.threads, 2);
      assert.ok((exe.info()?.tiledKernels ?? 0) >= 1, cs.label);
      assert.equal(exe.info()?.fma, false);
      assert.equal(firstDiff(a, b), -1, cs.label);
    }
  });
});

describe('tiled matmul: scratch memory', () => {
  it("packed panels take one block of the runtime's heap while the executable lives, given back on destroy", async () => {
    const rt = createWasmRuntime({ requested: 'wasm', backend: 'wasm' }, { threads: 2, fma: false });
    try {
      const cs = cases(40, 30, 50).find((x) => x.label.startsWith('x·Wᵀ'))!;
      const plan = compile(right(cs.program));
      const product = plan.kernelIR!.find((x) => x.fused.includes('matmul'))!;
      const rendered = renderWasm(product, { maxPages: 256 });
      // the counter's line, then W packed: 48 columns as 6 blocks of 8, 30 k steps
      assert.equal(rendered.scratch, 64 + 4 * 6 * 8 * 30);
      assert.deepEqual(rendered.phases, [6]);
      const before = rt.heap.inUse;
      const exe = rt.load(plan);
      assert.ok(rt.heap.inUse - before >= rendered.scratch, 'the scratch block is allocated with the executable');
      const feeds = feedsFor(cs.shapes, 13);
      assert.equal(firstDiff(right(await exe.run(feeds)).y, right(interpret(right(cs.program), feeds, 'f32')).y), -1);
      exe.destroy();
      assert.equal(rt.heap.inUse, before, 'destroy frees it');
    } finally {
      rt.destroy();
    }
  });
});

describe('tiled matmul through the head split and merge of attention', () => {
  // batch 2, sequence 5, 3 heads of 4 (hidden 12): tails in every tile dimension
  const [B, S, H, D] = [2, 5, 3, 4];
  const merged = (x: g.Tensor) => g.reshape(mergeHeads(x), [B * S, H * D]);
  const layouts: { label: string; shapes: Record<string, number[]>; f: (x: Record<string, g.Tensor>) => g.Tensor }[] = [
    { label: 'split q·split kᵀ', shapes: { q: [B, S, H * D], k: [B, S, H * D] }, f: ({ q, k }) => g.matmul(splitHeads(q, H), g.transpose(splitHeads(k, H), [0, 1, 3, 2])) },
    { label: 'p·split v', shapes: { p: [B, H, S, S], v: [B, S, H * D] }, f: ({ p, v }) => g.matmul(p, splitHeads(v, H)) },
    { label: 'merged·W (output projection)', shapes: { x: [B, H, S, D], w: [H * D, 7] }, f: ({ x, w }) => g.matmul(merged(x), w) },
    { label: 'merged·Wᵀ (input gradient)', shapes: { x: [B, H, S, D], w: [7, H * D] }, f: ({ x, w }) => g.matmul(merged(x), g.transpose(w)) },
    { label: 'xᵀ·merged (weight gradient)', shapes: { x: [B, H, S, D], h: [B * S, 6] }, f: ({ x, h }) => g.matmul(g.transpose(h), merged(x)) },
    { label: 'mergedᵀ·g (output projection weight gradient)', shapes: { x: [B, H, S, D], gy: [B * S, 6] }, f: ({ x, gy }) => g.matmul(g.transpose(merged(x)), gy) },
  ];
  for (const l of layouts) {
    it(`${l.label}: tiled, and the same bits as the untiled path and the f32 interpreter`, async () => {
      const prog = right(g.program(l.shapes, (x) => ({ y: l.f(x) })));
      const plan = compile(prog);
      const product = plan.kernelIR!.find((x) => x.fused.includes('matmul'))!;
      assert.match(renderWasm(product, { maxPages: 256 }).schedule, /^tiled/);
      const rt = await createRuntime({ backend: 'wasm', threads: 1, fma: false });
      try {
        const feeds = feedsFor(l.shapes, 17);
        const tiled = right(await rt.load(plan).run(feeds)).y;
        assert.equal(firstDiff(tiled, right(await rt.load(untiled(plan)).run(feeds)).y), -1, 'tiled vs untiled wasm');
        assert.equal(firstDiff(tiled, right(interpret(prog, feeds, 'f32')).y), -1, 'tiled vs the f32 interpreter');
      } finally {
        rt.destroy();
      }
    });
  }

  it('(q + bq)·(k + bk)ᵀ: both factors packed with their bias added (once per element), the same bits as untiled, the f32 interpreter and two threads', async () => {
    // 21 queries: packed (8 rows or more), a last group of one row; 21 keys: blocks of eight columns, a last one of four, one scalar column
    const [b, s, h, d] = [2, 21, 3, 5];
    const shapes = { q: [b, s, h * d], bq: [h * d], k: [b, s, h * d], bk: [h * d] };
    const prog = right(g.program(shapes, ({ q, bq, k, bk }) => ({ y: g.matmul(splitHeads(g.add(q, bq), h), g.transpose(splitHeads(g.add(k, bk), h), [0, 1, 3, 2])) })));
    const plan = compile(prog);
    const product = plan.kernelIR!.find((x) => x.fused.includes('matmul'))!;
    assert.equal(product.tiling?.b.loads.length, 2, 'the key factor reads k and bk');
    const pack = packing(product.tiling!);
    assert.deepEqual(pack?.loads.map((l) => [l.value, l.entries]), [[true, b * h]]);
    assert.deepEqual([pack?.rows?.entries, pack?.rows?.width], [b * h, 24], 'the query factor: 21 rows padded to 24 per k step');
    assert.match(renderWasm(product, { maxPages: 256 }).schedule, /^tiled 4x8 packed/);
    const rt = await createRuntime({ backend: 'wasm', threads: 1, fma: false });
    const rt2 = await createRuntime({ backend: 'wasm', threads: 2, fma: false });
    try {
      const feeds = feedsFor(shapes, 29);
      const tiled = right(await rt.load(plan).run(feeds)).y;
      assert.equal(firstDiff(tiled, right(await rt.load(untiled(plan)).run(feeds)).y), -1, 'tiled vs untiled wasm');
      assert.equal(firstDiff(tiled, right(interpret(prog, feeds, 'f32')).y), -1, 'tiled vs the f32 interpreter');
      assert.equal(firstDiff(tiled, right(await rt2.load(plan).run(feeds)).y), -1, 'one thread vs two');
    } finally {
      rt.destroy();
      rt2.destroy();
    }
  });

  it('the gradient of an attention block (q, k, v and output projections): every product tiled, bits as untiled, near float64', async () => {
    const shapes = { x: [B, S, H * D], wq: [H * D, H * D], wk: [H * D, H * D], wv: [H * D, H * D], wo: [H * D, H * D] };
    const prog = right(g.program(shapes, ({ x, wq, wk, wv, wo }) => {
      const project = (w: g.Tensor) => splitHeads(g.reshape(g.matmul(g.reshape(x, [B * S, H * D]), w), [B, S, H * D]), H);
      const out = g.matmul(merged(scaledDotProductAttention(project(wq), project(wk), project(wv))), wo);
      const loss = g.sum(g.mul(out, out));
      return g.grad(loss, { x, wq, wk, wv, wo });
    }));
    const plan = compile(prog);
    const products = plan.kernelIR!.filter((x) => x.fused.includes('matmul'));
    assert.deepEqual(products.filter((x) => !x.tiling).map((x) => x.name), []);
    const rt = await createRuntime({ backend: 'wasm', threads: 1, fma: false });
    try {
      const feeds = feedsFor(shapes, 23);
      const tiled = right(await rt.load(plan).run(feeds));
      const plain = right(await rt.load(untiled(plan)).run(feeds));
      const f64 = right(interpret(prog, feeds, 'f64'));
      for (const name of Object.keys(shapes)) {
        assert.equal(firstDiff(tiled[name], plain[name]), -1, `${name}: tiled vs untiled wasm`);
        const scale = Math.max(1, ...Array.from(f64[name], Math.abs));
        const worst = Math.max(0, ...Array.from(tiled[name], (v, i) => Math.abs(v - f64[name][i])));
        assert.ok(worst <= 1e-4 * scale, `${name}: off float64 by ${worst}`);
      }
    } finally {
      rt.destroy();
    }
  });
});

describe('tiled matmul: schedules and errors', () => {
  it('a read the descriptor cannot express (through a concat) renders per element, with the same bits', async () => {
    const prog = right(g.program({ a: [5, 3], a2: [5, 4], b: [7, 9] }, ({ a, a2, b }) => ({ y: g.matmul(g.concat([a, a2], 1), b) })));
    const plan = compile(prog);
    const product = plan.kernelIR!.find((x) => x.fused.includes('matmul'))!;
    assert.equal(product.tiling, undefined);
    assert.equal(renderWasm(product, { maxPages: 256 }).schedule, 'elements');
    const rt = await createRuntime({ backend: 'wasm', threads: 1 });
    try {
      const feeds = feedsFor({ a: [5, 3], a2: [5, 4], b: [7, 9] }, 3);
      assert.equal(firstDiff(right(await rt.load(plan).run(feeds)).y, right(interpret(prog, feeds, 'f32')).y), -1);
    } finally {
      rt.destroy();
    }
  });

  it('a prologue op with no four-lane form (pow, a host call) renders per element, with the same bits', async () => {
    const shapes = { a: [5, 6], b: [6, 7] };
    const prog = right(g.program(shapes, ({ a, b }) => ({ y: g.matmul(g.pow(g.abs(a), g.scalar(1.5)), b) })));
    const plan = compile(prog);
    const product = plan.kernelIR!.find((x) => x.fused.includes('matmul'))!;
    assert.ok(product.tiling);
    assert.equal(renderWasm(product, { maxPages: 256 }).schedule, 'elements');
    const rt = await createRuntime({ backend: 'wasm', threads: 1 });
    try {
      const feeds = feedsFor(shapes, 5);
      assert.equal(firstDiff(right(await rt.load(plan).run(feeds)).y, right(await rt.load(untiled(plan)).run(feeds)).y), -1);
    } finally {
      rt.destroy();
    }
  });

  it('a tiling naming the wrong node is a RenderError naming the kernel', () => {
    const plan = compile(right(g.program({ a: [4, 4], b: [4, 8] }, ({ a, b }) => ({ y: g.matmul(a, b) }))));
    const k = plan.kernelIR!.find((x) => x.tiling)!;
    const broken = { ...k, tiling: { ...k.tiling!, accumulate: k.tiling!.a.loads[0].load } };
    assert.throws(() => renderWasm(broken, { maxPages: 256 }), (e: unknown) => e instanceof RenderError && e.message.includes(k.name) && /not a top-level accumulation/.test(e.message));
  });
});

describe('tiled matmul with relaxed-simd FMA (opt-in)', () => {
  // Node 20 ships relaxed-simd behind a flag; newer engines have it on
  v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  const available = WebAssembly.validate(relaxedSimdProbe());
  it('is reported, and within float64 tolerance', { skip: available ? false : 'this engine has no relaxed-simd' }, async () => {
    const rt = await createRuntime({ backend: 'wasm', threads: 1, fma: true });
    try {
      for (const cs of cases(9, 33, 21)) {
        const prog = right(cs.program);
        const plan = compile(prog);
        const product = plan.kernelIR!.find((x) => x.fused.includes('matmul'))!;
        assert.match(renderWasm(product, { maxPages: 256, fma: true }).schedule, /fma/);
        const feeds = feedsFor(cs.shapes, 11);
        const exe = rt.load(plan);
        const y = right(await exe.run(feeds)).y;
        assert.equal(exe.info()?.fma, true);
        const f64 = right(interpret(prog, feeds, 'f64')).y;
        const scale = Math.max(1, ...Array.from(f64, Math.abs));
        const worst = Math.max(0, ...Array.from(y, (v, i) => Math.abs(v - f64[i])));
        assert.ok(worst <= 1e-6 * 33 * scale, `${cs.label}: off float64 by ${worst}`);
      }
    } finally {
      rt.destroy();
    }
  });
});
