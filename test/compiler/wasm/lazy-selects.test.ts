// Selects with long sides (erf's two branches in gelu and its gradient) run a side only when a lane takes it
// (lazy-selects.ts): found where they pay, and the bits are the f32 interpreter's for groups of four that take
// one side, the other or both, special values, ragged sizes, any split, 1 and 2 threads, and as a tiled
// matmul's epilogue (vector and lane by lane).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as E from 'fp-ts/lib/Either.js';
import * as g from '../../../src/dsl/index.js';
import * as nn from '../../../src/nn/index.js';
import { compile } from '../../../src/compiler/index.js';
import { allNodes } from '../../../src/compiler/kernel-ir/types.js';
import { lazySelects, MIN_LAZY_SIDE } from '../../../src/compiler/wasm/lazy-selects.js';
import { renderWasm } from '../../../src/compiler/wasm/render.js';
import { createWasmRuntime } from '../../../src/runtime/index.js';
import { OPTIONS, runPlan } from './run-plan.js';

const REPORT = { requested: 'wasm', backend: 'wasm' } as const;

const right = <A>(e: E.Either<unknown, A>): A => {
  if (E.isLeft(e)) throw e.left;
  return e.right;
};

const bits = (x: ArrayLike<number>) => new Uint32Array(Float32Array.from(x).buffer);

/** Groups of four whose x / √2 are all below 1 in magnitude, all above, mixed, and special values; then a ragged tail. */
const inputs = (groups: number): Float32Array => {
  const out: number[] = [];
  let s = 17;
  const r = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  for (let q = 0; q < groups; q++) {
    const kind = q % 4;
    for (let l = 0; l < 4; l++) {
      const small = (r() * 2 - 1) * 1.4;
      const large = (r() < 0.5 ? -1 : 1) * (1.42 + r() * 8);
      out.push(kind === 0 ? small : kind === 1 ? large : kind === 2 ? (l % 2 ? small : large) : [NaN, -0, Infinity, -Infinity][l]);
    }
  }
  return Float32Array.from([...out, 0.3, -2.5, 7]);
};

/** gelu (erf form) and its gradient at x, as a BERT FFN computes them. */
const geluProgram = (n: number) =>
  right(g.program({ x: [n], dy: [n] }, ({ x, dy }) => {
    const y = nn.geluErf(x);
    return { y, dx: g.vjp([y], [dy], [x])[0] };
  }));

describe('lazy selects', () => {
  it("gelu and its gradient (one kernel) take erf's select lazily, a side long", () => {
    const plan = compile(geluProgram(35));
    const found = plan.kernelIR!.flatMap((k) => [...lazySelects(k, new Set(allNodes(k.nodes).filter((n) => n.op !== 'const').map((n) => n.id))).values()]);
    assert.ok(found.length >= 1, `${found.length} lazy selects`);
    for (const l of found) assert.ok(l.a.length >= MIN_LAZY_SIDE || l.b.length >= MIN_LAZY_SIDE, `sides of ${l.a.length} and ${l.b.length} nodes`);
  });

  for (const groups of [1, 8, 33]) {
    const x = inputs(groups);
    const dy = Float32Array.from(x, (_, i) => 1 - i / x.length);
    const prog = geluProgram(x.length);
    const want = right(g.interpret(prog, { x, dy }, 'f32'));
    for (const cuts of [[], [1], [6, 21], [1, 2, 3, 5, 9]]) {
      it(`gelu and its gradient over ${x.length} elements give the f32 interpreter's bits, split at [${cuts}]`, () => {
        const out = runPlan(compile(prog), { x, dy }, cuts);
        assert.deepEqual(bits(out.y), bits(want.y), 'y');
        assert.deepEqual(bits(out.dx), bits(want.dx), 'dx');
      });
    }
  }

  it("give the f32 interpreter's bits on 1 and 2 threads", async () => {
    const x = inputs(2 ** 14);
    const dy = Float32Array.from(x, (_, i) => Math.cos(i));
    const prog = geluProgram(x.length);
    const want = right(g.interpret(prog, { x, dy }, 'f32'));
    for (const threads of [1, 2]) {
      const rt = createWasmRuntime(REPORT, { threads });
      try {
        const out = right(await rt.load(compile(prog)).run({ x, dy }));
        assert.deepEqual(bits(out.y), bits(want.y), `y, ${threads} threads`);
        assert.deepEqual(bits(out.dx), bits(want.dx), `dx, ${threads} threads`);
      } finally {
        rt.destroy();
      }
    }
  });

  // 13 columns: the epilogue runs lane by lane; 64: in four lanes
  for (const [m, n, k] of [[17, 13, 21], [19, 64, 7]]) {
    it(`a ${m}x${n}x${k} product + bias with a gelu epilogue gives the f32 interpreter's bits on 1 and 2 threads`, async () => {
      const prog = right(g.program({ a: [m, k], w: [k, n], b: [n] }, ({ a, w, b }) => ({ y: nn.geluErf(g.add(g.matmul(a, w), b)) })));
      const plan = compile(prog);
      const product = plan.kernelIR!.find((kk) => kk.tiling);
      assert.ok(product && lazySelects(product, new Set(allNodes(product.nodes).map((q) => q.id))).size > 0, 'a tiled kernel with a lazy select');
      assert.notEqual(renderWasm(product, OPTIONS).schedule, 'elements', 'rendered as tiles');
      const feeds = { a: Float32Array.from({ length: m * k }, (_, i) => Math.sin(i) * 1.5), w: Float32Array.from({ length: k * n }, (_, i) => Math.cos(i * 0.7) * 0.6), b: Float32Array.from({ length: n }, (_, i) => (i % 5) - 2) };
      const want = right(g.interpret(prog, feeds, 'f32')).y;
      for (const threads of [1, 2]) {
        const rt = createWasmRuntime(REPORT, { threads });
        try {
          const exe = rt.load(plan);
          const out = right(await exe.run(feeds)).y;
          assert.deepEqual(bits(out), bits(want), `${threads} threads`);
        } finally {
          rt.destroy();
        }
      }
    });
  }
});
