// The wasm renderer: exact 32-bit integer semantics in the SIMD loop and the scalar tail (against
// Math.imul and JS bit operations), every module of random programs validates, and a renderer
// bug is an error naming the kernel.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { arbProgram, propertyParams } from '../../../props/index.js';
import * as E from 'fp-ts/lib/Either.js';
import * as g from '../../../src/dsl/index.js';
import { compile } from '../../../src/compiler/index.js';
import { KernelBuilder } from '../../../src/compiler/kernel-ir/builder.js';
import { finishKernel } from '../../../src/compiler/kernel-ir/finish.js';
import { RenderError, renderWasm } from '../../../src/compiler/wasm/render.js';
import { WasmHeap } from '../../../src/runtime/wasm/heap.js';
import { instantiate } from '../../../src/runtime/wasm/instance.js';

const OPTIONS = { maxPages: 256 };

const right = <A>(e: E.Either<unknown, A>): A => {
  if (E.isLeft(e)) throw e.left;
  return e.right;
};

/** 32-bit patterns that are not NaN as f32 (bits move through f32 loads and stores). */
const patterns = (n: number, seed: number): Uint32Array => {
  const out = new Uint32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = ((s >>> 23) & 0xff) === 0xff ? s ^ 0x00800000 : s;
  }
  return out;
};

describe('wasm renderer: exact 32-bit integers', () => {
  // 37 elements: two iterations of four four-lane groups, one single group and a one-element tail
  const N = 37;
  const b = new KernelBuilder();
  const X = 0;
  const S = 1;
  const u = b.bitcast('u32', b.load(X, b.index));
  const s = b.bitcast('i32', b.load(S, b.index));
  const k = (v: number) => b.constant('u32', v);
  const hash = b.binary('xor', b.binary('mul', u, k(0x9e3779b1)), b.binary('shr', u, k(15)));
  const outs = {
    hash,
    rem: b.binary('rem', hash, k(1000)),
    ashr: b.binary('shr', s, b.constant('i32', 3)),
    // a shift count that differs per element runs lane by lane
    vshl: b.binary('shl', u, b.binary('and', u, k(31))),
    ltu: b.cast('u32', b.binary('lt', u, hash)),
    lts: b.cast('u32', b.binary('lt', s, b.bitcast('i32', hash))),
    minu: b.binary('min', u, hash),
    add: b.binary('add', u, hash),
    neg: b.unary('neg', s),
    idx: b.binary('mul', b.cast('u32', b.index), k(0x10001)),
    // division by a power of two runs as shifts in four lanes: toward zero for negatives, as i32.div_s
    sdiv8: b.binary('div', s, b.constant('i32', 8)),
    sdiv2to30: b.binary('div', s, b.constant('i32', 2 ** 30)),
    udiv16: b.binary('div', u, k(16)),
    udiv2to31: b.binary('div', u, k(2 ** 31)),
  };
  const names = Object.keys(outs) as (keyof typeof outs)[];
  const kernel = finishKernel('int-ops', N, b.nodes, names.map((name, j) => ({ buffer: 2 + j, value: b.bitcast('f32', outs[name]) })), []);
  const want: Record<keyof typeof outs, (x: number, y: number, i: number) => number> = {
    hash: (x) => (Math.imul(x, 0x9e3779b1) ^ (x >>> 15)) >>> 0,
    rem: (x) => ((Math.imul(x, 0x9e3779b1) ^ (x >>> 15)) >>> 0) % 1000,
    ashr: (_, y) => (y | 0) >> 3,
    vshl: (x) => (x << (x & 31)) >>> 0,
    ltu: (x) => +(x < (Math.imul(x, 0x9e3779b1) ^ (x >>> 15)) >>> 0),
    lts: (x, y) => +((y | 0) < (Math.imul(x, 0x9e3779b1) ^ (x >>> 15))),
    minu: (x) => Math.min(x, (Math.imul(x, 0x9e3779b1) ^ (x >>> 15)) >>> 0),
    add: (x) => (x + ((Math.imul(x, 0x9e3779b1) ^ (x >>> 15)) >>> 0)) >>> 0,
    neg: (_, y) => -(y | 0),
    idx: (_, __, i) => Math.imul(i, 0x10001) >>> 0,
    sdiv8: (_, y) => Math.trunc((y | 0) / 8),
    sdiv2to30: (_, y) => Math.trunc((y | 0) / 2 ** 30),
    udiv16: (x) => Math.floor(x / 16),
    udiv2to31: (x) => Math.floor(x / 2 ** 31),
  };

  for (const [label, begin, end] of [['whole range', 0, N], ['split at odd points', 3, 30]] as const) {
    it(`every op matches JS integer arithmetic bit for bit (${label})`, () => {
      const rendered = renderWasm(kernel, OPTIONS);
      assert.ok(WebAssembly.validate(rendered.bytes));
      const heap = new WasmHeap(OPTIONS.maxPages, 1);
      const addrs = kernel.params.map((p) => heap.alloc(N * 4, `buffer ${p}`));
      const x = patterns(N, 1);
      const y = patterns(N, 2);
      new Uint32Array(heap.memory.buffer, addrs[kernel.params.indexOf(X)], N).set(x);
      new Uint32Array(heap.memory.buffer, addrs[kernel.params.indexOf(S)], N).set(y);
      const run = instantiate(rendered, heap.memory).run;
      if (begin > 0) run(addrs, 0, begin);
      run(addrs, begin, end);
      if (end < N) run(addrs, end, N);
      names.forEach((name, j) => {
        const got = Array.from(new Uint32Array(heap.memory.buffer, addrs[kernel.params.indexOf(2 + j)], N));
        const expected = Array.from(x, (xi, i) => want[name](xi, y[i], i) >>> 0);
        assert.deepEqual(got, expected, name);
      });
    });
  }
});

describe('wasm renderer: lane shapes (rows, columns, matmul operands) over any split', () => {
  // small integers: every sum and product is exact in f32, so results must equal the interpreter's
  const ints = (n: number, k: number) => Float32Array.from({ length: n }, (_, i) => ((i * k) % 7) - 3);
  // rows of 12 (a multiple of four: groups stay in a row) and of 10 (groups straddle rows)
  for (const [rows, cols, inner] of [[8, 12, 16], [5, 10, 6]]) {
    const prog = right(g.program({ x: [rows, cols], row: [cols], col: [rows, 1], a: [rows, inner], b: [inner, cols] }, ({ x, row, col, a, b }) => ({
      y: g.add(g.mul(x, row), col),
      t: g.add(g.transpose(g.reshape(x, [cols, rows]), [1, 0]), 1),
      m: g.add(g.matmul(a, b), x),
    })));
    const feeds = { x: ints(rows * cols, 5), row: ints(cols, 3), col: ints(rows, 2), a: ints(rows * inner, 3), b: ints(inner * cols, 5) };
    const want = right(g.interpret(prog, feeds));
    const plan = compile(prog);
    for (const cuts of [[], [3], [5, 29], [1, 2, 3, 37]]) {
      it(`${rows}x${cols}: equals the interpreter exactly, elements split at [${cuts}]`, () => {
        const heap = new WasmHeap(OPTIONS.maxPages, 4);
        const at = new Map<number, number>();
        const addr = (b: number) => at.get(b) ?? (at.set(b, heap.alloc(plan.buffers[b].size * 4, `buffer ${b}`)), at.get(b)!);
        for (const [name, b] of Object.entries(plan.inputs)) heap.f32(addr(b), plan.buffers[b].size).set(feeds[name as keyof typeof feeds]);
        for (const k of plan.kernelIR!) {
          const rendered = renderWasm(k, OPTIONS);
          const run = instantiate(rendered, heap.memory).run;
          // a tiled matmul takes a scratch block whose unit counter the caller zeroes before each range
          const scratch = rendered.scratch ? [heap.alloc(rendered.scratch, 'scratch')] : [];
          const bounds = [0, ...cuts.filter((c) => c < k.size), k.size];
          for (let j = 0; j + 1 < bounds.length; j++) {
            if (scratch.length) new Int32Array(heap.memory.buffer, scratch[0], 1)[0] = 0;
            run([...k.params.map(addr), ...scratch], bounds[j], bounds[j + 1]);
          }
        }
        for (const [name, b] of Object.entries(plan.outputs)) assert.deepEqual(Array.from(heap.f32(addr(b), plan.buffers[b].size)), Array.from(want[name]), name);
      });
    }
  }
});

describe('wasm renderer: modules and errors', () => {
  it('every kernel of random programs renders to a module that validates', () => {
    fc.assert(
      fc.property(arbProgram(), (gp) => {
        const plan = compile(gp.program);
        assert.equal(plan.kernelIRError, undefined);
        for (const k of plan.kernelIR!) assert.ok(WebAssembly.validate(renderWasm(k, OPTIONS).bytes), k.name);
      }),
      propertyParams(100),
    );
  });

  it('an op the renderer cannot emit is an error naming the kernel, not a module', () => {
    const b = new KernelBuilder();
    const bad = b.unary('sqrt', b.cast('i32', b.load(0, b.index)));
    const kernel = finishKernel('k7_broken', 8, b.nodes, [{ buffer: 1, value: b.cast('f32', bad) }], []);
    assert.throws(() => renderWasm(kernel, OPTIONS), (e: unknown) => e instanceof RenderError && /kernel k7_broken: unary sqrt on i32/.test(e.message));
  });
});
