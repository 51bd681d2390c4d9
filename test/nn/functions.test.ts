// Activations, softmax and losses against float64 loops: interpreted, and compiled on cpu and webasm.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as g from '../../src/dsl/index.js';
import * as nn from '../../src/nn/index.js';
import { build, checkEverywhere, randoms, right, useRuntimes } from './harness.js';
import { crossEntropyRef, erfRef, geluErfRef, geluTanhRef, logSoftmaxRef, softmaxRef } from './reference.js';

const rts = useRuntimes();
const grid = Array.from({ length: 161 }, (_, i) => -8 + i / 10);

describe('activations', () => {
  it('relu', async () => {
    const prog = build({ x: [grid.length] }, ({ x }) => ({ y: nn.relu(x) }));
    await checkEverywhere(rts, prog, { x: grid }, { y: grid.map((v) => Math.max(v, 0)) }, { atol: 1e-6, rtol: 1e-6 });
  });

  it('relu\'s gradient is 1 above 0 and 0 at and below it (PyTorch\'s choice at the kink)', () => {
    const xs = [-2, -1e-30, 0, 1e-30, 3];
    const prog = build({ x: [xs.length] }, ({ x }) => ({ d: g.grad(g.sum(nn.relu(x)), { x }).x }));
    assert.deepEqual(Array.from(right(g.interpret(prog, { x: xs })).d), [0, 0, 0, 1, 1]);
  });

  it('gelu is the tanh form', async () => {
    const prog = build({ x: [grid.length] }, ({ x }) => ({ y: nn.gelu(x) }));
    await checkEverywhere(rts, prog, { x: grid }, { y: grid.map(geluTanhRef) }, { atol: 1e-5, rtol: 1e-5 });
  });

  it('geluErf is the exact GELU; erf is odd', async () => {
    const prog = build({ x: [grid.length] }, ({ x }) => ({ y: nn.geluErf(x), e: nn.erf(x) }));
    // the interpreter's float64 erf: 1/√2 rounded to f32 (1.7e-8) moves the tails by up to ~2u²·1.7e-8 relative; backends: f32
    await checkEverywhere(rts, prog, { x: grid }, { y: grid.map(geluErfRef), e: grid.map(erfRef) }, { atol: 1e-6, rtol: 1e-6 }, { atol: 1e-10, rtol: 1e-6 });
  });

  it("geluErf's gradient is 0.5·(1 + erf(x/√2)) + x·φ(x), compiled as interpreted", async () => {
    const prog = build({ x: [grid.length] }, ({ x }) => ({ d: g.grad(g.sum(nn.geluErf(x)), { x }).x }));
    const want = grid.map((x) => 0.5 * (1 + erfRef(x / Math.SQRT2)) + (x * Math.exp(-x * x / 2)) / Math.sqrt(2 * Math.PI));
    await checkEverywhere(rts, prog, { x: grid }, { d: want }, { atol: 1e-6, rtol: 1e-6 }, { atol: 1e-10, rtol: 1e-6 });
  });

  it('the tanh form stays within 5e-4 of the exact GELU', () => {
    const gap = Math.max(...grid.map((x) => Math.abs(geluTanhRef(x) - geluErfRef(x))));
    assert.ok(gap < 5e-4 && gap > 1e-4, `max gap ${gap}`);
  });

  it('activation() maps HF config names', () => {
    assert.equal(nn.activation('gelu'), nn.geluErf);
    assert.equal(nn.activation('gelu_tanh'), nn.gelu);
    assert.equal(nn.activation('relu'), nn.relu);
  });
});

describe('softmax and logSoftmax', () => {
  it('match the loops along the last axis and along axis 0', async () => {
    const x = randoms(12, 21, 4);
    // transpose of an r×c matrix
    const t = (m: readonly number[], r: number, c: number) => Array.from({ length: r * c }, (_, k) => m[(k % r) * c + Math.floor(k / r)]);
    const prog = build({ x: [3, 4] }, ({ x }) => ({ s: nn.softmax(x), l: nn.logSoftmax(x), s0: nn.softmax(x, 0) }));
    const s0 = t(softmaxRef(t(x, 3, 4), 4, 3), 4, 3); // softmax over columns = rows of the transpose
    await checkEverywhere(rts, prog, { x }, { s: softmaxRef(x, 3, 4), l: logSoftmaxRef(x, 3, 4), s0 });
  });

  it('are stable: huge logits give no overflow, and log-softmax stays finite where softmax underflows', async () => {
    const x = [1000, 1001, 1002, 0, -200, -1e4];
    const prog = build({ x: [2, 3] }, ({ x }) => ({ s: nn.softmax(x), l: nn.logSoftmax(x) }));
    const s = softmaxRef([0, 1, 2], 1, 3);
    await checkEverywhere(rts, prog, { x }, { s: [...s, 1, Math.exp(-200), 0], l: [...s.map(Math.log), 0, -200, -1e4] }, { atol: 1e-5, rtol: 1e-5 });
  });
});

describe('cross-entropy, argmax, accuracy', () => {
  const logits = randoms(5 * 4, 31, 3);
  const labels = [3, 0, 2, -100, 1];
  const prog = build({ logits: [5, 4], labels: { shape: [5], dtype: 'i32' } }, ({ logits, labels }) => ({
    loss: nn.crossEntropy(logits, labels),
    arg: nn.argmax(logits),
    acc: nn.accuracy(logits, labels),
    hot: nn.oneHot(labels, 4),
  }));

  it('mean over the batch of -log softmax[label], negative labels ignored', async () => {
    const arg = Array.from({ length: 5 }, (_, r) => {
      const row = logits.slice(r * 4, r * 4 + 4);
      return row.indexOf(Math.max(...row));
    });
    const acc = arg.filter((a, r) => a === labels[r]).length / 4;
    const hot = labels.flatMap((l) => [0, 1, 2, 3].map((c) => +(c === l)));
    await checkEverywhere(rts, prog, { logits, labels }, { loss: [crossEntropyRef(logits, labels, 4)], arg, acc: [acc], hot });
  });

  it('argmax takes the first of tied maxima, as torch.argmax', async () => {
    const p = build({ x: [2, 4] }, ({ x }) => ({ a: nn.argmax(x) }));
    await checkEverywhere(rts, p, { x: [1, 5, 5, 0, 7, 7, 7, 7] }, { a: [1, 0] }, { atol: 0, rtol: 0 });
  });

  it('with every label ignored the loss is 0, not NaN', () => {
    const out = right(g.interpret(prog, { logits, labels: [-100, -100, -100, -100, -100] }));
    assert.ok(out.loss[0] === 0 && out.acc[0] === 0, `${out.loss[0]}, ${out.acc[0]}`);
  });

  it('labels must be i32', () => {
    const r = g.program({ l: [2, 3], y: [2] }, ({ l, y }) => ({ loss: nn.crossEntropy(l, y) }));
    assert.ok(r._tag === 'Left' && r.left.kind === 'dtype-mismatch');
  });
});
