// wasm against gpu.js where results must be equal: uniform and Bernoulli draws (every
// intermediate exact) and normal draws (each Box-Muller step an f32 op on both) at any key,
// offset and size, with the key static or fed as a tensor.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import * as g from '../../../src/dsl/index.js';
import { propertyParams } from '../../../props/index.js';
import { compile } from '../../../src/compiler/index.js';
import type { Runtime } from '../../../src/runtime/index.js';
import { createRuntime } from '../../../src/runtime/index.js';

const right = <A>(e: E.Either<unknown, A>): A => {
  if (E.isLeft(e)) throw e.left;
  return e.right;
};

describe('wasm and gpu.js (webasm) draw the same bits', () => {
  let wasm: Runtime;
  let gpujs: Runtime;
  before(async () => {
    wasm = await createRuntime({ backend: 'wasm' });
    gpujs = await createRuntime({ backend: 'webasm' });
  });
  after(() => {
    wasm.destroy();
    gpujs.destroy();
  });

  it('uniform, Bernoulli and normal draws, static and fed keys', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 2 ** 24 - 1 }),
        fc.integer({ min: 0, max: 2 ** 24 - 1 }),
        fc.integer({ min: 0, max: 2 ** 35 }),
        fc.integer({ min: 1, max: 3000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        async (seed, stream, offset, n, p) => {
          const key = g.randomKey(seed, stream);
          const prog = right(g.program({ k: { shape: [], dtype: 'i32' } }, ({ k }) => ({
            u: g.uniform(key, [n], { offset }),
            b: g.cast(g.bernoulli(k, p, [n], { offset }), 'f32'),
            z: g.normal(k, [n], { offset }),
          })));
          const plan = compile(prog);
          const a = right(await wasm.load(plan).run({ k: key }));
          const b = right(await gpujs.load(plan).run({ k: key }));
          assert.deepEqual(Array.from(a.u), Array.from(b.u), 'uniform');
          assert.deepEqual(Array.from(a.b), Array.from(b.b), 'bernoulli');
          assert.deepEqual(Array.from(a.z), Array.from(b.z), 'normal');
        },
      ),
      propertyParams(15),
    );
  });
});
