// stopGradient: the same values everywhere, and no gradient through it (jax.lax.stop_gradient).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as g from '../../../src/dsl/index.js';
import { assertClose, gradsAt } from './helpers.js';
import { build, runCompiled, useRuntimes } from '../../nn/harness.js';

const rts = useRuntimes();

describe('stopGradient', () => {
  it('d/dx [x·x + stop(x)·x] = 2x + x = 3x (4x without the stop); d/dx stop(x) alone is 0', () => {
    const x = [0.5, -2, 3];
    const got = gradsAt({ x: [3] }, ({ x: t }) => g.sum(g.add(g.mul(t, t), g.mul(g.stopGradient(t), t))), { x }, ['x']);
    assertClose(got.d_x, x.map((v) => 2 * v + v));
    assertClose(got.loss, [x.reduce((s, v) => s + 2 * v * v, 0)]);
    const none = gradsAt({ x: [3] }, ({ x: t }) => g.sum(g.stopGradient(t)), { x }, ['x']);
    assert.deepEqual([...none.d_x], [0, 0, 0]);
  });

  it('compiled: the values pass through unchanged on every backend', async () => {
    const prog = build({ x: [2, 3] }, ({ x }) => ({ y: g.mul(g.stopGradient(x), 2) }));
    for (const rt of rts) assert.deepEqual([...(await runCompiled(rt, prog, { x: [1, 2, 3, 4, 5, 6] })).y], [2, 4, 6, 8, 10, 12], rt.report.backend);
  });
});
