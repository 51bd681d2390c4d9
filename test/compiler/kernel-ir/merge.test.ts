// Kernel IR lowering: an optimizer step over a parameter is one kernel writing p, m and v, read
// back from the plan itself (introspection), and kernels that must stay apart do.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as E from 'fp-ts/lib/Either.js';
import * as g from '../../../src/dsl/index.js';
import * as o from '../../../src/optim/index.js';
import { compile } from '../../../src/compiler/index.js';
import type { Plan } from '../../../src/compiler/plan.js';
import { allNodes } from '../../../src/compiler/kernel-ir/index.js';
import { MAX_KERNEL_BUFFERS } from '../../../src/compiler/kernel-ir/merge.js';

const right = <A>(e: E.Either<unknown, A>): A => {
  if (E.isLeft(e)) throw e.left;
  return e.right;
};

const stepPlan = (t: o.Transform<any>, shapes: Record<string, number[]>): Plan => compile(right(o.buildStep(t, shapes)).step);

/** The kernels that store each of the named plan outputs. */
const writers = (plan: Plan, names: readonly string[]) =>
  names.map((n) => plan.kernelIR!.filter((k) => k.stores.some((s) => s.buffer === plan.outputs[n])));

describe('kernel IR: one kernel per optimizer step over a parameter', () => {
  it('AdamW: p, m and v of each parameter are written by one kernel, which reads p, g, m and v once each', () => {
    const plan = stepPlan(o.adamw(1e-3, { weightDecay: 0.01 }), { w: [1000], b: [10] });
    assert.equal(plan.kernelIRError, undefined);
    for (const [param, mu, nu] of [['w', 's:0/mu/w', 's:0/nu/w'], ['b', 's:0/mu/b', 's:0/nu/b']]) {
      const ks = writers(plan, [`p:${param}`, mu, nu]);
      for (const k of ks) assert.equal(k.length, 1);
      assert.equal(ks[0][0], ks[1][0], `p:${param} and ${mu} in one kernel`);
      assert.equal(ks[0][0], ks[2][0], `p:${param} and ${nu} in one kernel`);
      const k = ks[0][0];
      assert.deepEqual(k.stores.map((s) => s.buffer).sort(), [plan.outputs[`p:${param}`], plan.outputs[mu], plan.outputs[nu]].sort());
      const bigReads = new Set(allNodes(k.nodes).flatMap((n) => (n.op === 'load' && plan.buffers[n.buffer].size > 1 ? [n.buffer] : [])));
      assert.deepEqual([...bigReads].sort(), [`p:${param}`, `g:${param}`, mu, nu].map((n) => plan.inputs[n]).sort());
      // each element read once: one load node per big input (shared by the three outputs)
      const loads = allNodes(k.nodes).filter((n) => n.op === 'load' && plan.buffers[n.buffer].size > 1);
      assert.equal(loads.length, 4);
    }
    // the gpu.js plan for the same step needs three kernels per parameter
    assert.ok(plan.kernels.length > plan.kernelIR!.length);
  });

  it('Child-Tuning F: mask, masked gradient, moments and update are one kernel; the mask and masked gradient are never stored', () => {
    const plan = stepPlan(o.childTuningAdamW(1e-3, { mode: 'F', reserveP: 0.3, seed: 1, weightDecay: 0.01 }), { w: [1000] });
    const [[k], [m], [v]] = writers(plan, ['p:w', 's:1/0/mu/w', 's:1/0/nu/w']);
    assert.ok(k && k === m && k === v);
    assert.ok(k.fused.includes('random:bernoulli'), `${k.fused}`);
    const stored = plan.kernelIR!.flatMap((x) => x.stores.map((s) => plan.buffers[s.buffer]));
    assert.deepEqual(stored.filter((b) => b.kind === 'intermediate' && b.size === 1000), []);
    // the gpu.js plan materialises the masked gradient (one intermediate of the parameter's size)
    assert.equal(plan.buffers.filter((b) => b.kind === 'intermediate' && b.size === 1000).length, 1);
  });
});

describe('kernel IR: what stays apart', () => {
  for (const [label, t, prefix] of [['AdamW', o.adamw(1e-3), 's:0'], ['Child-Tuning F', o.childTuningAdamW(1e-3, { mode: 'F', reserveP: 0.3, seed: 1 }), 's:1/0']] as const) {
    it(`${label}: parameters of one shape merge only up to the buffer limit, each keeping p, m and v in one kernel`, () => {
      const names = Array.from({ length: 20 }, (_, i) => `layer${i}.weight`);
      const plan = stepPlan(t, Object.fromEntries(names.map((n) => [n, [64, 64]])));
      for (const k of plan.kernelIR!) assert.ok(k.params.length <= MAX_KERNEL_BUFFERS, `${k.name}: ${k.params.length} buffers`);
      for (const n of names) {
        const ks = writers(plan, [`p:${n}`, `${prefix}/mu/${n}`, `${prefix}/nu/${n}`]);
        assert.ok(ks.every((w) => w.length === 1 && w[0] === ks[0][0]), n);
      }
      // 20 parameters x 4 buffers cannot share one kernel
      assert.ok(plan.kernelIR!.filter((k) => k.size === 4096).length >= 2);
    });
  }

  it('a result read at another element (transposed) or reduced is stored and read by a later kernel', () => {
    const prog = right(g.program({ x: [4, 4] }, ({ x }) => {
      const y = g.mul(x, 2);
      return { y, z: g.add(g.transpose(y, [1, 0]), 1), s: g.sum(y) };
    }));
    const plan = compile(prog);
    const [[ky], [kz], [ks]] = writers(plan, ['y', 'z', 's']);
    assert.notEqual(ky, kz);
    assert.notEqual(ky, ks);
    for (const k of [kz, ks]) assert.ok(k.params.includes(plan.outputs.y), `${k.name} reads y from memory`);
  });

  it('independent outputs over one index space share a kernel and its loads', () => {
    const prog = right(g.program({ x: [64], w: [64] }, ({ x, w }) => ({ a: g.mul(x, w), b: g.add(g.exp(x), w) })));
    const plan = compile(prog);
    assert.equal(plan.kernels.length, 2);
    assert.equal(plan.kernelIR!.length, 1);
    const [k] = plan.kernelIR!;
    assert.equal(k.stores.length, 2);
    assert.equal(allNodes(k.nodes).filter((n) => n.op === 'load').length, 2);
    assert.deepEqual(JSON.parse(JSON.stringify(plan.kernelIR)), plan.kernelIR, 'kernel IR is plain data');
  });
});
