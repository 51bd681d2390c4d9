import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as E from 'fp-ts/lib/Either.js';
import * as o from '../../src/optim/index.js';
import { compile } from '../../src/compiler/index.js';

const stepPlan = (t: o.Transform<any>, shapes: Record<string, number[]>) => compile(E.getOrElseW((e: Error) => assert.fail(e.message))(o.buildStep(t, shapes)).step);

describe('compiled optimizer steps', () => {
  it('Child-Tuning F: the mask is drawn once, inside the kernel that masks the gradient; no mask tensor', () => {
    const plan = stepPlan(o.childTuningAdamW(1e-3, { mode: 'F', reserveP: 0.3, seed: 1, weightDecay: 0.01 }), { w: [1000] });
    const draws = plan.kernels.filter((k) => k.fused.includes('random:bernoulli'));
    assert.equal(draws.length, 1, 'one draw per element per step, not one per moment');
    // the one intermediate of the parameter's size is the masked gradient g·B/p: the draw, cast, multiply
    // and rescale fuse, so the 0/1 mask itself is never stored
    const inter = plan.buffers.filter((b) => b.size === 1000 && b.kind === 'intermediate');
    assert.deepEqual(inter.map((b) => b.id), [draws[0].output]);
    assert.ok(['cast:f32', 'mul', 'div'].every((f) => draws[0].fused.includes(f)), `${draws[0].fused}`);
    const [m, v, p] = ['s:1/0/mu/w', 's:1/0/nu/w', 'p:w'].map((name) => plan.kernels.find((k) => k.output === plan.outputs[name])!);
    for (const k of [m, v]) assert.ok(k.args.includes(draws[0].output), `${k.name} reads the masked gradient`);
    // p reads the new moments instead of recomputing them, and applies decay after the update
    assert.ok(p.args.includes(m.output) && p.args.includes(v.output));
    assert.ok(p.fused.includes('sqrt'), `${p.fused}`);
  });

  it('plain AdamW: the update reads p, m′, v′ and the two bias corrections, each computed once', () => {
    const plan = stepPlan(o.adamw(1e-3), { w: [64] });
    const p = plan.kernels.find((k) => k.output === plan.outputs['p:w'])!;
    const scalars = p.args.filter((b) => plan.buffers[b].size === 1);
    assert.deepEqual(p.args.filter((b) => plan.buffers[b].size > 1).sort(), [plan.inputs['p:w'], plan.outputs['s:0/mu/w'], plan.outputs['s:0/nu/w']].sort());
    // 1 − b1^t and √(1 − b2^t) (−expm1 of t·ln b, a series near 0) are one-thread kernels: no thread of the update calls exp
    assert.equal(scalars.length, 2);
    assert.ok(!p.fused.includes('exp'), `${p.fused}`);
    for (const b of scalars) assert.ok(plan.kernels.find((k) => k.output === b)!.fused.includes('exp'));
  });

  it('plain AdamW: the update divides once per element (m / denom), the bias corrections become per-step reciprocals', () => {
    const plan = stepPlan(o.adamw(1e-3), { w: [64] });
    const p = plan.kernels.find((k) => k.output === plan.outputs['p:w'])!;
    assert.equal(p.fused.filter((f) => f === 'div').length, 1, `${p.fused}`);
  });
});

describe('weight-decay groups', () => {
  const names = ['bert.embeddings.word_embeddings.weight', 'bert.embeddings.LayerNorm.weight', 'bert.embeddings.LayerNorm.bias', 'bert.encoder.layer.0.attention.self.query.weight', 'bert.encoder.layer.0.attention.self.query.bias', 'h.0.ln_1.weight', 'h.0.ln_1.bias', 'h.0.mlp.c_fc.weight', 'model.norm.weight', 'classifier.weight'];
  it('default no-decay patterns: biases, LayerNorm and ln_* gains and biases, other norms', () => {
    const g = o.decayGroups(names);
    assert.deepEqual(g.noDecay, ['bert.embeddings.LayerNorm.weight', 'bert.embeddings.LayerNorm.bias', 'bert.encoder.layer.0.attention.self.query.bias', 'h.0.ln_1.weight', 'h.0.ln_1.bias', 'model.norm.weight']);
    assert.deepEqual(g.decay, ['bert.embeddings.word_embeddings.weight', 'bert.encoder.layer.0.attention.self.query.weight', 'h.0.mlp.c_fc.weight', 'classifier.weight']);
    assert.match(o.describeDecayGroups(g), /^decay \(4\):\n {2}bert\.embeddings\.word_embeddings\.weight/);
  });
  it('patterns can be overridden', () => {
    assert.deepEqual(o.decayGroups(names, [/classifier/]).noDecay, ['classifier.weight']);
  });
  it('withDecayGroups decays weights only', async () => {
    const plan = stepPlan(o.withDecayGroups((wd) => o.adamw(1e-3, { weightDecay: wd }), 0.1), { 'a.weight': [4], 'a.bias': [4] });
    const bias = plan.kernels.find((k) => k.output === plan.outputs['p:a.bias'])!;
    const weight = plan.kernels.find((k) => k.output === plan.outputs['p:a.weight'])!;
    // the bias kernel has no decay term: one fewer add and mul
    assert.ok(bias.fused.length < weight.fused.length, `${bias.fused} vs ${weight.fused}`);
  });
});
