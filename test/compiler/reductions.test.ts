import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import * as g from '../../src/dsl/index.js';
import { compile } from '../../src/compiler/index.js';
import type { Runtime } from '../../src/runtime/index.js';
import { createRuntime } from '../../src/runtime/index.js';
import { propertyParams } from '../../props/index.js';

const orFail = <A>(e: E.Either<Error, A>): A => E.getOrElseW((err: Error) => assert.fail(err.message))(e);

// Reductions of over 1024 elements run in two stages (chunks of about sqrt(count), then a combine).
// Besides parallelism this bounds f32 error by about 2*sqrt(count) additions per output, not count.
describe('long reductions', () => {
  let rt: Runtime;
  before(async () => (rt = await createRuntime({ backend: 'webasm' })));
  after(() => rt.destroy());

  it('split into a chunk stage and a combine stage', () => {
    const plan = compile(orFail(g.program({ x: [1 << 16] }, ({ x }) => ({ s: g.sum(x) }))));
    assert.deepEqual(plan.kernels.map((k) => k.fused[0]), ['reduce:sum', 'combine:sum']);
    assert.equal(plan.buffers.find((b) => b.kind === 'intermediate')?.size, 256);
  });

  it('sum and mean stay within the f32 summation error bound of float64; max is exact', async () => {
    const arb = fc.record({
      shape: fc.array(fc.integer({ min: 1, max: 90 }), { minLength: 1, maxLength: 3 }),
      mask: fc.integer({ min: 1, max: 7 }),
      seed: fc.nat(),
    }).filter(({ shape }) => g.sizeOf(shape) > 2048);
    await fc.assert(
      fc.asyncProperty(arb, async ({ shape, mask, seed }) => {
        const axes = shape.map((_, k) => k).filter((k) => (mask >> k) & 1);
        const count = g.sizeOf(axes.map((a) => shape[a]));
        const prog = orFail(g.program({ x: shape }, ({ x }) => ({ s: g.sum(x, { axes }), m: g.max(x, { axes }), a: g.mean(x, { axes }), abs: g.sum(g.abs(x), { axes }) })));
        const x = Float32Array.from({ length: g.sizeOf(shape) }, (_, i) => Math.sin(i * 0.37 + seed) + 0.25);
        const want = orFail(g.interpret(prog, { x }));
        const got = orFail(await rt.load(compile(prog)).run({ x }));
        // additions each output passes through: chunk + chunks when split, count otherwise (+1 for mean's division)
        const chunk = Math.ceil(Math.sqrt(count));
        const depth = count > 1024 ? chunk + Math.ceil(count / chunk) : count;
        const eps = 2 ** -24;
        for (let i = 0; i < want.s.length; i++) {
          const bound = (depth + 1) * eps * want.abs[i];
          assert.ok(Math.abs(got.s[i] - want.s[i]) <= bound, `sum[${i}] over axes [${axes}] of [${shape}]: ${got.s[i]} vs ${want.s[i]}, bound ${bound}`);
          assert.ok(Math.abs(got.a[i] - want.a[i]) <= (bound / count) * 1.5, `mean[${i}]: ${got.a[i]} vs ${want.a[i]}`);
          assert.equal(got.m[i], want.m[i], `max[${i}]`);
        }
      }),
      propertyParams(25),
    );
  });
});
