import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from 'fp-ts/lib/Either.js';
import * as g from '../../src/dsl/index.js';
import { compile } from '../../src/compiler/index.js';
import { createRuntime } from '../../src/runtime/index.js';

test('an executable destroyed by its owner is not destroyed again by the runtime', async () => {
  const prog = E.getOrElseW((e: Error) => assert.fail(e.message))(g.program({ x: [4] }, ({ x }) => ({ y: g.add(g.neg(x), g.sum(x)) })));
  const rt = await createRuntime({ backend: 'webasm' });
  const keep = rt.load(compile(prog));
  const drop = rt.load(compile(prog));
  const before = await keep.run({ x: [1, 2, 3, 4] });
  drop.destroy();
  drop.destroy();
  const after = await keep.run({ x: [1, 2, 3, 4] });
  assert.deepEqual(after, before);
  assert.deepEqual(E.isRight(after) && Array.from(after.right.y), [9, 8, 7, 6]);
  assert.doesNotThrow(() => rt.destroy());
});
