// Each layer against hand-written float64 loops: interpreted, and compiled on cpu and webasm.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as g from '../../src/dsl/index.js';
import * as nn from '../../src/nn/index.js';
import { build, checkEverywhere, randoms, useRuntimes } from './harness.js';
import { layerNormRef, linearRef } from './reference.js';

const rts = useRuntimes();

describe('linear', () => {
  it('y = x·Wᵀ + b with W [out, in], over the last axis of a rank-3 input', async () => {
    const fc = nn.linear('fc', 5, 3);
    assert.deepEqual(fc.params.map((p) => [p.name, p.shape]), [['fc.weight', [3, 5]], ['fc.bias', [3]]]);
    const [x, w, b] = [randoms(2 * 4 * 5, 1), randoms(15, 2), randoms(3, 3)];
    const prog = build({ x: [2, 4, 5], 'fc.weight': [3, 5], 'fc.bias': [3] }, (i) => {
      const y = fc.apply(i, i.x, nn.evalCtx);
      assert.deepEqual(y.shape, [2, 4, 3]);
      return { y };
    });
    await checkEverywhere(rts, prog, { x, 'fc.weight': w, 'fc.bias': b }, { y: linearRef(x, w, b, 8, 5, 3) });
  });

  it('without a bias there is no bias parameter', async () => {
    const fc = nn.linear('proj', 4, 2, { bias: false });
    assert.deepEqual(fc.params.map((p) => p.name), ['proj.weight']);
    const [x, w] = [randoms(12, 4), randoms(8, 5)];
    const prog = build({ x: [3, 4], 'proj.weight': [2, 4] }, (i) => ({ y: fc.apply(i, i.x, nn.evalCtx) }));
    await checkEverywhere(rts, prog, { x, 'proj.weight': w }, { y: linearRef(x, w, undefined, 3, 4, 2) });
  });

  it('a missing or misshapen parameter is a BuildError naming it', () => {
    const fc = nn.linear('fc', 4, 2);
    const missing = g.program({ x: [1, 4], 'fc.weight': [2, 4] }, (i) => ({ y: fc.apply(i, i.x, nn.evalCtx) }));
    assert.ok(missing._tag === 'Left' && /'fc\.bias' is missing/.test(missing.left.message));
    const wrong = g.program({ x: [1, 4], 'fc.weight': [4, 2], 'fc.bias': [2] }, (i) => ({ y: fc.apply(i, i.x, nn.evalCtx) }));
    assert.ok(wrong._tag === 'Left' && /'fc\.weight' is \[4, 2\], expected \[2, 4\]/.test(wrong.left.message));
  });
});

describe('embedding', () => {
  it('gathers rows by i32 ids of any shape', async () => {
    const emb = nn.embedding('emb', 6, 3);
    const table = randoms(18, 7);
    const ids = [5, 0, 2, 2, 1, 4];
    const prog = build({ ids: { shape: [2, 3], dtype: 'i32' }, 'emb.weight': [6, 3] }, (i) => ({ y: emb.apply(i, i.ids, nn.evalCtx) }));
    const want = ids.flatMap((r) => table.slice(r * 3, r * 3 + 3));
    await checkEverywhere(rts, prog, { ids, 'emb.weight': table }, { y: want }, { atol: 0, rtol: 0 });
  });

  it('f32 ids are refused', () => {
    const emb = nn.embedding('emb', 6, 3);
    const r = g.program({ ids: [2], 'emb.weight': [6, 3] }, (i) => ({ y: emb.apply(i, i.ids, nn.evalCtx) }));
    assert.ok(r._tag === 'Left' && r.left.kind === 'dtype-mismatch');
  });
});

describe('layerNorm', () => {
  const rows = [...randoms(8, 11, 3), 0, 1e-3, 0, 1e-3, 0, 1e-3, 0, 1e-3, 2, 2, 2, 2, 2, 2, 2, 2];
  const [w, b] = [randoms(8, 12), randoms(8, 13)];
  for (const eps of [1e-5, 1e-12]) {
    it(`normalises the last axis with eps ${eps}, biased variance, then weight and bias`, async () => {
      const norm = nn.layerNorm('LayerNorm', 8, { eps });
      const prog = build({ x: [3, 8], 'LayerNorm.weight': [8], 'LayerNorm.bias': [8] }, (i) => ({ y: norm.apply(i, i.x, nn.evalCtx) }));
      const want = layerNormRef(rows, w, b, 3, 8, Math.fround(eps)); // constants are stored as f32
      // the tiny-variance row is where eps shows: ±0.16 before the affine part with 1e-5, ±1 with 1e-12
      await checkEverywhere(rts, prog, { x: rows, 'LayerNorm.weight': w, 'LayerNorm.bias': b }, { y: want }, { atol: 2e-4, rtol: 2e-4 });
    });
  }
  it('defaults to eps 1e-5 and starts at weight 1, bias 0', () => {
    const norm = nn.layerNorm('ln', 4);
    assert.deepEqual(norm.params.map((p) => [p.name, p.init.kind]), [['ln.weight', 'ones'], ['ln.bias', 'zeros']]);
    const y = g.interpret(build({ x: [1, 2], 'ln.weight': [2], 'ln.bias': [2] }, (i) => ({ y: nn.layerNorm('ln', 2).apply(i, i.x, nn.evalCtx) })), {
      x: [0, 2e-3],
      'ln.weight': [1, 1],
      'ln.bias': [0, 0],
    });
    assert.ok(y._tag === 'Right');
    assert.ok(Math.abs(y.right.y[1] - 1e-3 / Math.sqrt(1e-6 + 1e-5)) < 1e-6);
  });
});
