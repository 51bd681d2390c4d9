// Issue 9: a value that two kernels compute (the logits under an argmax: one kernel takes their max,
// another recomputes them to compare) must be the same float32 in both, on every backend.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as g from '../../src/dsl/index.js';
import { argmax, accuracy } from '../../src/nn/index.js';
import { mulberry32 } from '../../props/mulberry32.js';
import { BACKENDS, build, right, runCompiled, useRuntimes } from '../nn/harness.js';

const N = 64;
const K = 30;
const C = 10;
const random = (n: number, seed: number) => {
  const r = mulberry32(seed);
  return Float32Array.from({ length: n }, () => r() - 0.5);
};
const x = random(N * K, 1);
const w = random(K * C, 2);
const b = random(C, 3);
const logits = (t: { x: g.Tensor; w: g.Tensor; b: g.Tensor }) => g.add(g.matmul(t.x, t.w), t.b);
const decl = { x: [N, K], w: [K, C], b: [C] };

describe('argmax of matmul(x, w) + b, labelled with its own argmax', () => {
  const rts = useRuntimes();
  // the float64 interpreter's argmax: no two logits of a row are within f32 rounding of each other here
  const labels = right(g.interpret(build(decl, (t) => ({ am: argmax(logits(t)) })), { x, w, b })).am;
  // the logits are no output: the kernels that take their max and compare against it both recompute them
  const prog = build({ ...decl, labels: { shape: [N], dtype: 'i32' } }, (t) => ({ acc: accuracy(logits(t), t.labels), am: argmax(logits(t)) }));

  test('every backend finds every label (accuracy 1, argmax in range)', async () => {
    for (const [i, rt] of rts.entries()) {
      const out = await runCompiled(rt, prog, { x, w, b, labels });
      assert.deepEqual(Array.from(out.am), Array.from(labels), `${BACKENDS[i]} argmax`);
      assert.equal(out.acc[0], 1, `${BACKENDS[i]} accuracy`);
    }
  });

  test('cpu and webasm compute the same float32 logits, bit for bit', async () => {
    const shown = build(decl, (t) => ({ logits: logits(t) }));
    const [cpu, webasm] = await Promise.all(rts.map((rt) => runCompiled(rt, shown, { x, w, b })));
    assert.deepEqual(new Uint32Array(cpu.logits.buffer), new Uint32Array(webasm.logits.buffer));
  });
});

describe("the interpreter's f32 precision", () => {
  const rts = useRuntimes();

  test('rounds every step of an op as the kernels do (rsqrt, Box-Muller normal, division, exp)', async () => {
    const xs = random(257, 4).map((v) => v * 7 + 4);
    const prog = build({ x: [257] }, ({ x }) => ({
      rsqrt: g.rsqrt(x),
      ratio: g.div(g.exp(g.tanh(x)), g.add(x, 3)),
      normal: g.add(x, g.normal(g.randomKey(3, 9), [257])),
    }));
    const want = right(g.interpret(prog, { x: xs }, 'f32'));
    const f64 = right(g.interpret(prog, { x: xs }));
    // f32 rounding is not float64: the test would pass vacuously if the two agreed
    assert.notDeepEqual(Array.from(want.rsqrt), Array.from(f64.rsqrt));
    for (const [i, rt] of rts.entries()) {
      const got = await runCompiled(rt, prog, { x: xs });
      for (const name of Object.keys(want)) assert.deepEqual(Array.from(got[name]), Array.from(want[name]), `${BACKENDS[i]} ${name}`);
    }
  });
});
