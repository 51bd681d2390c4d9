import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { arbProgram, compiledMatchesReference, propertyParams } from '../../props/index.js';
import type { Runtime } from '../../src/runtime/index.js';
import { createRuntime } from '../../src/runtime/index.js';

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
