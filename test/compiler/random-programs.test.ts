import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { arbComparisonProgram, arbProgram, compiledAgreeExactly, compiledMatchesReference, propertyParams } from '../../props/index.js';
import type { Runtime } from '../../src/runtime/index.js';
import { createRuntime } from '../../src/runtime/index.js';
import * as E from 'fp-ts/lib/Either.js';
import { neg, program } from '../../src/dsl/index.js';

// Random expression DAGs over every op, compiled and run, against the float64 interpreter.
for (const backend of ['cpu', 'webasm', 'wasm'] as const) {
  describe(`random programs on ${backend}`, () => {
    let rt: Runtime;
    before(async () => (rt = await createRuntime({ backend })));
    after(() => rt.destroy());
    it('agree with the float64 reference within tolerance', async () => {
      await fc.assert(
        fc.asyncProperty(arbProgram(), async (gp) => {
          const problem = await compiledMatchesReference(rt, gp.program, gp.feeds);
          assert.equal(problem, undefined, `${problem}\n${gp.recipe.join('\n')}`);
        }),
        propertyParams(backend === 'webasm' ? 60 : 150),
      );
    });
  });
}

// Every backend rounds every op to float32, so the same program gives the same bits on each; where
// no inexact sum is upstream, the f32 interpreter gives them too. fast-check prints the seed on failure.
describe('random programs on cpu and webasm, bit for bit', () => {
  const rts: Runtime[] = [];
  before(async () => rts.push(await createRuntime({ backend: 'cpu' }), await createRuntime({ backend: 'webasm' })));
  after(() => rts.forEach((rt) => rt.destroy()));
  it('programs over every op give the same float32 bits', async () => {
    await fc.assert(
      fc.asyncProperty(arbProgram(), async (gp) => {
        const problem = await compiledAgreeExactly(rts, gp.program, gp.feeds, []);
        assert.equal(problem, undefined, `${problem}\n${gp.recipe.join('\n')}`);
      }),
      propertyParams(30),
    );
  });
  it('programs of exact comparisons (eq, argmax, max then compare, where) agree, and with the f32 interpreter where no sum order matters', async () => {
    await fc.assert(
      fc.asyncProperty(arbComparisonProgram(), async (cp) => {
        const problem = await compiledAgreeExactly(rts, cp.program, cp.feeds, cp.orderFree);
        assert.equal(problem, undefined, `${problem}\norder-free outputs: ${cp.orderFree.join(', ') || 'none'}\n${cp.recipe.join('\n')}`);
      }),
      propertyParams(60),
    );
  });
});

describe('compiledAgreeExactly: misuse is a message, not a crash', () => {
  const prog = program({ x: [2] }, ({ x }) => ({ y: neg(x) }));
  it('no runtime, or an exact output the program lacks', async () => {
    assert.ok(E.isRight(prog));
    assert.equal(await compiledAgreeExactly([], prog.right, { x: [1, 2] }, []), 'no runtime to compare: give at least one');
    const rt = await createRuntime({ backend: 'cpu' });
    try {
      assert.equal(await compiledAgreeExactly([rt], prog.right, { x: [1, 2] }, ['z']), 'exact names outputs the program lacks: z (it has y)');
    } finally {
      rt.destroy();
    }
  });
});
