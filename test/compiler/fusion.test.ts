import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import * as g from '../../src/dsl/index.js';
import type { Program, Tensor } from '../../src/dsl/index.js';
import { compile } from '../../src/compiler/index.js';
import { createRuntime } from '../../src/runtime/index.js';
import { propertyParams } from '../../props/index.js';

const build = (decl: Parameters<typeof g.program>[0], f: (i: Record<string, Tensor>) => Record<string, Tensor>): Program =>
  E.getOrElseW((e: Error) => assert.fail(e.message))(g.program(decl, f));

const CHAIN: ReadonlyArray<(t: Tensor) => Tensor> = [g.neg, g.abs, g.tanh, g.exp, g.add(1), g.mul(0.5), g.sub(0.25), g.maximum(-1), g.minimum(1), (t) => g.sqrt(g.abs(t))];

describe('fusion', () => {
  it('a chain of k elementwise ops on one output compiles to exactly one kernel', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(CHAIN.length - 1), { minLength: 1, maxLength: 40 }), (ops) => {
        const prog = build({ x: [64] }, ({ x }) => ({ y: ops.reduce((t, k) => CHAIN[k](t), x) }));
        const plan = compile(prog);
        assert.equal(plan.kernels.length, 1);
        assert.equal(plan.buffers.filter((b) => b.kind === 'intermediate').length, 0);
        assert.ok(plan.kernels[0].fused.length >= ops.length, `fused ${plan.kernels[0].fused.join(' ')} for ${ops.length} ops`);
      }),
      propertyParams(100),
    );
  });

  it('merges common subexpressions built twice', () => {
    const prog = build({ x: [8] }, ({ x }) => ({ y: g.add(g.exp(g.mul(x, 2)), g.exp(g.mul(x, 2))) }));
    const plan = compile(prog);
    assert.equal(plan.stats.merged, 4); // the second literal 2, its broadcast, the second mul and exp
    assert.deepEqual(plan.kernels[0].fused.filter((f) => f === 'exp'), ['exp']);
  });

  it('fuses elementwise producers into a reduction and a matmul', () => {
    const prog = build({ a: [4, 5], b: [5, 3] }, ({ a, b }) => ({
      s: g.sum(g.mul(g.exp(a), 2), { axes: 1 }),
      m: g.matmul(g.tanh(a), g.add(b, 1)),
    }));
    const plan = compile(prog);
    assert.equal(plan.kernels.length, 2);
    assert.deepEqual([...plan.kernels[0].fused].sort(), ['exp', 'mul', 'reduce:sum']);
    assert.deepEqual([...plan.kernels[1].fused].sort(), ['add', 'matmul', 'tanh']);
  });

  it('a multi-output group reads sibling outputs instead of recomputing them', () => {
    // an Adam-like step: p2 depends on m2 and v2, which are outputs themselves
    const prog = build({ p: [16], gr: [16], m: [16], v: [16] }, ({ p, gr, m, v }) => {
      const m2 = g.add(g.mul(m, 0.9), g.mul(gr, 0.1));
      const v2 = g.add(g.mul(v, 0.999), g.mul(g.mul(gr, gr), 0.001));
      return { m2, v2, p2: g.sub(p, g.div(m2, g.add(g.sqrt(v2), 1e-8))) };
    });
    const plan = compile(prog);
    assert.equal(plan.kernels.length, 3);
    const pk = plan.kernels.find((k) => k.output === plan.outputs.p2)!;
    assert.deepEqual([...pk.args].sort(), [plan.inputs.p, plan.outputs.m2, plan.outputs.v2].sort());
  });

  it('an expensive value read by two kernels is computed once; a cheap one is recomputed in each', () => {
    const prog = build({ x: [64] }, ({ x }) => {
      const noisy = g.mul(x, g.uniform(g.randomKey(1, 2), [64]));
      const cheap = g.mul(x, 3);
      return { a: g.add(noisy, cheap), b: g.sub(noisy, cheap) };
    });
    const plan = compile(prog);
    assert.equal(plan.kernels.filter((k) => k.fused.includes('random:uniform')).length, 1);
    assert.equal(plan.buffers.filter((b) => b.kind === 'intermediate').length, 1);
    // the multiply by 3 is fused into both output kernels
    for (const name of ['a', 'b']) assert.ok(plan.kernels.find((k) => k.output === plan.outputs[name])!.fused.includes('mul'));
  });

  it('introspection counts bytes read and written per kernel', () => {
    const plan = compile(build({ p: [1000], gr: [1000], lr: [] }, ({ p, gr, lr }) => ({ p2: pipe(p, g.sub(g.mul(gr, lr))) })));
    assert.equal(plan.kernels[0].bytesRead, 4 * (1000 + 1000 + 1));
    assert.equal(plan.kernels[0].bytesWritten, 4 * 1000);
  });

  it('reports declared inputs that no output reads', () => {
    const plan = compile(build({ x: [2], unused: [3] }, ({ x }) => ({ y: g.neg(x) })));
    assert.deepEqual(plan.stats.unusedInputs, ['unused']);
  });

  it('an output that is a constant array compiles to no kernel and comes back as a copy', async () => {
    const plan = compile(build({}, () => ({ c: g.constant([1, 2, 3], [3]) })));
    assert.equal(plan.kernels.length, 0);
    const rt = await createRuntime({ backend: 'cpu' });
    const exe = rt.load(plan);
    const first = E.getOrElseW(() => assert.fail('feeds rejected'))(await exe.run({}));
    first.c[0] = 99;
    const second = E.getOrElseW(() => assert.fail('feeds rejected'))(await exe.run({}));
    assert.deepEqual(Array.from(second.c), [1, 2, 3]);
    rt.destroy();
  });

  it('a scalar filling a shape as an output is computed to full size', async () => {
    const plan = compile(build({}, () => ({ z: g.zeros([2, 3]), s: g.scalar(4) })));
    const rt = await createRuntime({ backend: 'cpu' });
    const out = E.getOrElseW(() => assert.fail('feeds rejected'))(await rt.load(plan).run({}));
    assert.deepEqual(Array.from(out.z), [0, 0, 0, 0, 0, 0]);
    assert.deepEqual(Array.from(out.s), [4]);
    rt.destroy();
  });

  it('a plan survives JSON and runs the same', async () => {
    const prog = build({ x: [3, 4] }, ({ x }) => ({ y: g.sum(g.mul(x, g.uniform(g.randomKey(3, 1), [3, 4])), { axes: 0 }), z: g.transpose(x) }));
    const plan = compile(prog);
    const copy = JSON.parse(JSON.stringify(plan));
    assert.deepEqual(copy, plan);
    const rt = await createRuntime({ backend: 'cpu' });
    const x = Float32Array.from({ length: 12 }, (_, i) => i - 5);
    const [a, b] = await Promise.all([rt.load(plan).run({ x }), rt.load(copy).run({ x })]);
    assert.deepEqual(a, b);
    rt.destroy();
  });
});

describe('matmul operands', () => {
  it('an operand whose inline work a large matmul would recompute per column gets its own buffer', () => {
    const small = compile(build({ a: [4, 5], b: [5, 3] }, ({ a, b }) => ({ m: g.matmul(g.tanh(a), b) })));
    assert.equal(small.kernels.length, 1, 'recomputed 3 times: fused');
    const large = compile(build({ a: [4, 64], b: [64, 32] }, ({ a, b }) => ({ m: g.matmul(g.tanh(a), b), n: g.matmul(g.add(a, 1), b) })));
    const tanhKernel = large.kernels.find((k) => k.fused.includes('tanh'))!;
    assert.ok(!tanhKernel.fused.includes('matmul'), 'tanh would run 32 times per element inside the matmul: materialised');
    // a single cheap op stays fused even when recomputed
    assert.ok(large.kernels.some((k) => k.fused.includes('matmul') && k.fused.includes('add')));
  });

  it('an operand viewed through a reshape (a linear layer on [batch, seq, hidden]): the value gets the buffer, and its other reader shares it', () => {
    const plan = compile(build({ a: [2, 4, 64], b: [64, 32] }, ({ a, b }) => {
      const h = g.tanh(g.mul(a, 2));
      return { m: g.matmul(g.reshape(h, [8, 64]), b), r: g.add(h, 1) };
    }));
    const tanhKernels = plan.kernels.filter((k) => k.fused.includes('tanh'));
    assert.equal(tanhKernels.length, 1, 'tanh computed once, not again inside the residual');
    assert.deepEqual(plan.buffers[tanhKernels[0].output].shape, [2, 4, 64]);
  });
});
