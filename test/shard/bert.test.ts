import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as E from 'fp-ts/lib/Either.js';
import { decodeModelSpec } from '../../src/optim/model-spec.js';
import type { PhaseAssignment, WrapPolicy } from '../../src/shard/index.js';
import { bertSpec, checkDisjointness, decodeWrapPolicy, describeProblems, flatUnits, numel, shapesOf, shardLayout } from '../../src/shard/index.js';
import { layoutLaws } from '../../props/index.js';

const BERT = bertSpec();

/** FTS's usual BERT schedule: head first, then the top encoder layers, then everything else (embeddings included). */
const ftsLike: PhaseAssignment = Object.fromEntries(
  BERT.parameters.map((p) => {
    const layer = /^bert\.encoder\.layer\.(\d+)\./.exec(p.name);
    return [p.name, p.name.startsWith('classifier.') || p.name.startsWith('bert.pooler.') ? 0 : layer && Number(layer[1]) >= 9 ? 1 : 2];
  }),
);

const policy = (raw: unknown): WrapPolicy => E.getOrElseW((ps) => assert.fail(JSON.stringify(ps)))(decodeWrapPolicy(raw));

describe('BERT-base fixture', () => {
  it('has HF BertForSequenceClassification\'s 201 parameters and 109,483,778 elements, a valid spec', () => {
    assert.ok(E.isRight(decodeModelSpec(BERT)));
    assert.equal(BERT.parameters.length, 201);
    assert.equal(BERT.parameters.reduce((n, p) => n + numel(p.shape), 0), 109_483_778);
    const shape = (n: string) => BERT.parameters.find((p) => p.name === n)?.shape;
    assert.deepEqual(shape('bert.embeddings.word_embeddings.weight'), [30522, 768]);
    assert.deepEqual(shape('bert.embeddings.position_embeddings.weight'), [512, 768]);
    assert.deepEqual(shape('bert.embeddings.token_type_embeddings.weight'), [2, 768]);
    assert.deepEqual(shape('bert.encoder.layer.11.intermediate.dense.weight'), [3072, 768]);
    assert.deepEqual(shape('bert.encoder.layer.0.output.dense.weight'), [768, 3072]);
    assert.deepEqual(shape('classifier.weight'), [2, 768]);
    assert.equal(bertSpec(2, 3).parameters.length, 5 + 2 * 16 + 4);
  });

  it('lists modules in module order: every module after its parent, parameters in module order', () => {
    const index = new Map(BERT.modules.map((m, i) => [m.name, i]));
    for (const m of BERT.modules.slice(1)) assert.ok(index.get(m.name.includes('.') ? m.name.slice(0, m.name.lastIndexOf('.')) : '')! < index.get(m.name)!, m.name);
    const owners = BERT.parameters.map((p) => index.get(p.module)!);
    assert.deepEqual(owners, [...owners].sort((a, b) => a - b));
    assert.equal(BERT.modules.find((m) => m.name === 'bert.encoder.layer.3.attention.self')?.class, 'BertSelfAttention');
  });
});

describe('headline: an FTS-style schedule over BERT-base', () => {
  it('is rejected when only BertLayer is wrapped: embeddings, pooler and classifier share the root buffer', () => {
    const units = flatUnits(BERT, policy({ classes: ['BertLayer'] }));
    const r = checkDisjointness(BERT, units, ftsLike);
    assert.equal(r.ok, false);
    assert.deepEqual(r.problems.map((p) => p.kind), ['buffer-spans-phases', 'phase0-unwrapped']);
    const [root] = r.problems;
    assert.ok(root.kind === 'buffer-spans-phases');
    assert.deepEqual([root.unit, root.phases, root.onlyWithUnscheduled], [{ name: '', class: 'root' }, [0, 2], false]);
    assert.deepEqual(root.params.map((p) => `${p.name}@${p.phase}`), [
      'bert.embeddings.word_embeddings.weight@2', 'bert.embeddings.position_embeddings.weight@2', 'bert.embeddings.token_type_embeddings.weight@2',
      'bert.embeddings.LayerNorm.weight@2', 'bert.embeddings.LayerNorm.bias@2',
      'bert.pooler.dense.weight@0', 'bert.pooler.dense.bias@0', 'classifier.weight@0', 'classifier.bias@0',
    ]);
    assert.deepEqual(root.suggestedWraps, [{ phase: 0, modules: ['bert.pooler', 'classifier'] }, { phase: 2, modules: ['bert.embeddings'] }]);
    const text = describeProblems(r);
    for (const p of root.params) assert.ok(text.includes(p.name), p.name);
    assert.match(text, /unwrapped modules land in the root unit/);
    assert.match(text, /phase 0 thaws no wrapped unit/);
  });

  it('is accepted once embeddings, pooler and classifier get units of their own', () => {
    for (const raw of [
      { classes: ['BertLayer', 'BertEmbeddings', 'BertPooler'], names: ['classifier'] },
      { classes: ['BertLayer'], overrides: { wrap: ['bert.embeddings', 'bert.pooler', 'classifier'] } },
    ]) {
      const units = flatUnits(BERT, policy(raw));
      assert.deepEqual(units[0].params, [], 'the root unit is empty');
      assert.equal(units.length, 1 + 12 + 3);
      assert.deepEqual(checkDisjointness(BERT, units, ftsLike), { ok: true, mode: 'flat', problems: [] });
    }
  });

  // FTS with use_orig_params=True asks only that phase-0 parameters be FSDP-managed, which the root unit's are:
  // strategy_adapters/fsdp.py:574 (speediedan/finetuning-scheduler@ceae3f0) checks `_is_fsdp_flattened` per parameter
  it('per-parameter flags lift the shared root buffer and accept phase 0 in the root unit; flat flags refuse both', () => {
    const units = flatUnits(BERT, policy({ classes: ['BertLayer'] }));
    assert.deepEqual(checkDisjointness(BERT, units, ftsLike, { mode: 'per-parameter' }), { ok: true, mode: 'per-parameter', problems: [] });
    assert.deepEqual(checkDisjointness(BERT, units, ftsLike).problems.map((p) => p.kind), ['buffer-spans-phases', 'phase0-unwrapped']);
  });

  it('thawing only the attention of layer 11 in phase 1 splits that BertLayer\'s buffer', () => {
    const units = flatUnits(BERT, policy({ classes: ['BertLayer', 'BertEmbeddings', 'BertPooler'], names: ['classifier'] }));
    const a = Object.fromEntries(Object.entries(ftsLike).map(([n, ph]) => [n, ph === 1 && !n.startsWith('bert.encoder.layer.11.attention.') ? 2 : ph]));
    const r = checkDisjointness(BERT, units, a);
    assert.deepEqual(r.problems.map((p) => (p.kind === 'buffer-spans-phases' ? [p.unit.name, p.unit.class, p.phases, p.params.length] : p.kind)), [['bert.encoder.layer.11', 'BertLayer', [1, 2], 16]]);
    assert.ok(r.problems[0].kind === 'buffer-spans-phases' && r.problems[0].suggestedWraps[0].modules.includes('bert.encoder.layer.11.attention'));
  });

  it('every BERT unit lays out over 8 ranks by the layout laws', () => {
    const units = flatUnits(BERT, policy({ classes: ['BertLayer', 'BertEmbeddings', 'BertPooler'], names: ['classifier'] }));
    const layouts = E.getOrElseW(() => assert.fail('layout'))(shardLayout(units, shapesOf(BERT), 8));
    for (const l of layouts) assert.deepEqual(layoutLaws(l), [], l.unit);
    assert.deepEqual(layouts.find((l) => l.unit === 'classifier')!.ranks.map((r) => r.end - r.start), [193, 193, 193, 193, 193, 193, 193, 187]);
  });
});
