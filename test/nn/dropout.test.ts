// Dropout: kept fraction, scaling, reproducible and backend-identical masks, eval identity, shard invariance.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as g from '../../src/dsl/index.js';
import type { Tensor } from '../../src/dsl/index.js';
import * as nn from '../../src/nn/index.js';
import { build, right, runCompiled, useRuntimes } from './harness.js';

const rts = useRuntimes();
const P = 0.1;
const key = g.randomKey(7, 3);
const drop = (x: Tensor, ctx: nn.Ctx, site = 0) => nn.dropout('dropout', P, site).apply({}, x, ctx);
const ones = (shape: number[]) => build({ x: shape }, ({ x }) => ({ y: drop(x, nn.trainCtx(key)) }));

describe('dropout', () => {
  it('keeps a fraction 1 - p within 5 sigma of the binomial, and scales kept values by 1/(1 - p)', () => {
    const N = 200 * 500;
    const y = right(g.interpret(ones([200, 500]), { x: new Float32Array(N).fill(1) })).y;
    const kept = y.filter((v) => v !== 0);
    const sigma = Math.sqrt(N * P * (1 - P));
    assert.ok(Math.abs(kept.length - N * (1 - P)) < 5 * sigma, `kept ${kept.length} of ${N}`);
    assert.ok(kept.every((v) => v === Math.fround(1 / (1 - P)))); // the scale is an f32 constant
  });

  it('the same key gives the same mask, on the interpreter and bit-identically on every backend, static or fed', async () => {
    const x = Array.from({ length: 4 * 64 }, (_, i) => 1 + (i % 7));
    const [a, b] = [ones([4, 64]), ones([4, 64])].map((p) => right(g.interpret(p, { x })).y);
    assert.deepEqual(a, b);
    const fed = build({ x: [4, 64], key: { shape: [], dtype: 'i32' } }, (i) => ({ y: drop(i.x, nn.trainCtx(i.key)) }));
    for (const rt of rts) {
      for (const got of [(await runCompiled(rt, ones([4, 64]), { x })).y, (await runCompiled(rt, fed, { x, key })).y]) {
        assert.deepEqual(Array.from(got, (v) => v === 0), Array.from(a, (v) => v === 0), rt.report.backend);
      }
    }
  });

  it('a key fed as an i32 scalar input draws the same mask as the static key; other keys and sites draw others', () => {
    const x = new Float32Array(1000).fill(1);
    const prog = build({ x: [10, 100], key: { shape: [], dtype: 'i32' } }, (i) => ({
      fed: drop(i.x, nn.trainCtx(i.key)),
      static: drop(i.x, nn.trainCtx(key)),
      other: drop(i.x, nn.trainCtx(g.randomKey(7, 4))),
      site1: drop(i.x, nn.trainCtx(key), 1),
    }));
    const out = right(g.interpret(prog, { x, key }));
    assert.deepEqual(out.fed, out.static);
    for (const k of ['other', 'site1']) {
      // two independent masks agree on a fraction p² + (1-p)² = 0.82 of elements
      const same = out[k].filter((v, i) => (v === 0) === (out.static[i] === 0)).length;
      assert.ok(same > 760 && same < 880, `${k}: ${same} of 1000 agree`);
    }
  });

  it('evaluation is the identity, and p = 0 too, with no key needed', () => {
    const x = g.input('x', [3, 4]);
    assert.equal(drop(x, nn.evalCtx), x);
    assert.equal(nn.dropoutForward(x, 0, 0, { training: true }), x);
  });

  it('shard invariance: rows [a, b) drawn with rowOffset a equal those rows of the full batch', () => {
    const [rows, width] = [8, 24];
    const x = Array.from({ length: rows * width }, (_, i) => i + 1);
    const full = right(g.interpret(ones([rows, width]), { x })).y;
    for (const [a, b] of [[0, 3], [3, 8], [5, 6]]) {
      const shard = build({ x: [b - a, width] }, ({ x }) => ({ y: drop(x, nn.trainCtx(key, a)) }));
      const got = right(g.interpret(shard, { x: x.slice(a * width, b * width) })).y;
      assert.deepEqual(got, full.slice(a * width, b * width), `rows [${a}, ${b})`);
    }
  });

  it('p = 1 drops everything; training without a key, a bad p or a bad site is a BuildError', () => {
    const all = build({ x: [5] }, ({ x }) => ({ y: nn.dropoutForward(x, 1, 0, nn.trainCtx(key)) }));
    assert.deepEqual(Array.from(right(g.interpret(all, { x: [1, 2, 3, 4, 5] })).y), [0, 0, 0, 0, 0]);
    const bad = (f: (x: Tensor) => Tensor) => g.program({ x: [5] }, ({ x }) => ({ y: f(x) }));
    assert.match(String(E_left(bad((x) => drop(x, { training: true })))), /needs ctx\.key/);
    assert.match(String(E_left(bad((x) => nn.dropoutForward(x, 1.5, 0, nn.trainCtx(key))))), /p 1\.5/);
    assert.match(String(E_left(bad((x) => nn.dropoutForward(x, P, nn.MAX_SITES, nn.trainCtx(key))))), /site 128/);
  });
});

const E_left = <A>(e: { _tag: 'Left'; left: unknown } | { _tag: 'Right'; right: A }): unknown => (e._tag === 'Left' ? e.left : assert.fail('expected a Left'));
