// Multi-head scaled dot-product attention against loops, with and without a padding mask.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as g from '../../src/dsl/index.js';
import * as nn from '../../src/nn/index.js';
import { build, checkEverywhere, randoms, right, useRuntimes } from './harness.js';
import { attentionRef } from './reference.js';

const rts = useRuntimes();
const [B, H, S, D] = [2, 2, 3, 4];
const n = B * H * S * D;
const [q, k, v] = [randoms(n, 41, 2), randoms(n, 42, 2), randoms(n, 43, 2)];
const mask = [1, 1, 0, 1, 1, 1];
const decl = { q: [B, H, S, D], k: [B, H, S, D], v: [B, H, S, D], mask: [B, S] };

describe('scaledDotProductAttention', () => {
  it('softmax(q·kᵀ/√d)·v per batch and head', async () => {
    const prog = build(decl, (i) => ({ y: nn.scaledDotProductAttention(i.q, i.k, i.v), yb: nn.scaledDotProductAttention(i.q, i.k, i.v, { bias: nn.attentionBias(i.mask) }) }));
    await checkEverywhere(rts, prog, { q, k, v, mask }, { y: attentionRef(q, k, v, B, H, S, D), yb: attentionRef(q, k, v, B, H, S, D, mask) });
  });

  it('a masked key gets no weight: changing its value changes nothing', () => {
    const prog = build(decl, (i) => ({ y: nn.scaledDotProductAttention(i.q, i.k, i.v, { bias: nn.attentionBias(i.mask) }) }));
    const v2 = v.slice();
    for (let h = 0; h < H; h++) for (let t = 0; t < D; t++) v2[(0 * H + h) * S * D + 2 * D + t] += 100; // batch 0, key 2 is masked
    assert.deepEqual(right(g.interpret(prog, { q, k, v: v2, mask })).y, right(g.interpret(prog, { q, k, v, mask })).y);
  });

  it('a bool mask works as the 0/1 one', () => {
    const prog = build({ ...decl, mb: { shape: [B, S], dtype: 'bool' } }, (i) => ({
      a: nn.scaledDotProductAttention(i.q, i.k, i.v, { bias: nn.attentionBias(i.mask) }),
      b: nn.scaledDotProductAttention(i.q, i.k, i.v, { bias: nn.attentionBias(i.mb) }),
    }));
    const out = right(g.interpret(prog, { q, k, v, mask, mb: mask }));
    assert.deepEqual(out.a, out.b);
  });

  it('splitHeads and mergeHeads are inverse, [batch, seq, heads·d] <-> [batch, heads, seq, d]', async () => {
    const x = randoms(B * S * H * D, 44);
    const prog = build({ x: [B, S, H * D] }, ({ x }) => {
      const split = nn.splitHeads(x, H);
      assert.deepEqual(split.shape, [B, H, S, D]);
      return { split, back: nn.mergeHeads(split) };
    });
    const split = Array.from({ length: x.length }, (_, i) => {
      const [b, h, s, t] = [Math.floor(i / (H * S * D)), Math.floor(i / (S * D)) % H, Math.floor(i / D) % S, i % D];
      return x[((b * S + s) * H + h) * D + t];
    });
    await checkEverywhere(rts, prog, { x }, { split, back: x }, { atol: 0, rtol: 0 });
    assert.throws(() => nn.splitHeads(g.input('y', [1, 2, 6]), 4), /not a multiple of 4 heads/);
  });
});
