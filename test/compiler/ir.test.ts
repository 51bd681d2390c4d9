import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as g from '../../src/dsl/index.js';
import { toIR } from '../../src/compiler/ir.js';
import { build } from '../nn/harness.js';

test('common subexpressions keep the sign of zero: -0 is not merged with 0', () => {
  const prog = build({ x: [3] }, ({ x }) => ({ a: g.mul(x, g.neg(g.scalar(0))), b: g.mul(x, g.scalar(0)) }));
  const ir = toIR(prog);
  const zeros = ir.nodes.flatMap((n) => (n.op.kind === 'constant' ? [n.op.values[0]] : []));
  assert.ok(zeros.some((v) => Object.is(v, -0)) && zeros.some((v) => Object.is(v, 0)), `constants ${zeros.map((v) => (Object.is(v, -0) ? '-0' : v))}`);
  assert.notEqual(ir.outputs.a, ir.outputs.b);
});
