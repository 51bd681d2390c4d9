import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as g from '../../src/dsl/index.js';
import { toIR } from '../../src/compiler/ir.js';
import { BACKENDS, build, runCompiled, useRuntimes } from '../nn/harness.js';

test('common subexpressions keep the sign of zero: -0 is not merged with 0', () => {
  const prog = build({ x: [3] }, ({ x }) => ({ a: g.mul(x, g.neg(g.scalar(0))), b: g.mul(x, g.scalar(0)) }));
  const ir = toIR(prog);
  const zeros = ir.nodes.flatMap((n) => (n.op.kind === 'constant' ? [n.op.values[0]] : []));
  assert.ok(zeros.some((v) => Object.is(v, -0)) && zeros.some((v) => Object.is(v, 0)), `constants ${zeros.map((v) => (Object.is(v, -0) ? '-0' : v))}`);
  assert.notEqual(ir.outputs.a, ir.outputs.b);
});

describe('common subexpressions keep non-finite constants apart', () => {
  // JSON writes -Infinity, Infinity and NaN all as null, which merged them into the first one seen
  const prog = build({ x: [3] }, ({ x }) => ({ lo: g.maximum(x, g.scalar(-Infinity)), hi: g.minimum(x, g.scalar(Infinity)), nan: g.add(x, g.scalar(NaN)) }));
  const rts = useRuntimes();

  test('-Infinity, Infinity and NaN are three constants', () => {
    const ir = toIR(prog);
    const constants = ir.nodes.flatMap((n) => (n.op.kind === 'constant' ? [String(n.op.values[0])] : []));
    assert.deepEqual([...new Set(constants)].sort(), ['-Infinity', 'Infinity', 'NaN']);
    assert.equal(new Set([ir.outputs.lo, ir.outputs.hi, ir.outputs.nan]).size, 3);
  });

  test('compiled, max(x, -Infinity) and min(x, Infinity) are x and x + NaN is NaN, as the interpreter says', async () => {
    const x = Float32Array.of(1, -2, 3);
    for (const [i, rt] of rts.entries()) {
      const out = await runCompiled(rt, prog, { x });
      assert.deepEqual([Array.from(out.lo), Array.from(out.hi), Array.from(out.nan)], [[1, -2, 3], [1, -2, 3], [NaN, NaN, NaN]], BACKENDS[i]);
    }
  });
});
