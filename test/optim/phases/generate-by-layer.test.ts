import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as E from 'fp-ts/lib/Either.js';
import * as nn from '../../../src/nn/index.js';
import { checkSchedule, generateLayerSchedule, parseSchedule, printSchedule, validateSchedule } from '../../../src/optim/phases/index.js';
import { GPT, specOf } from './fixtures.js';

const BERT = nn.modelSpec(nn.bertClassifier({ vocabSize: 50, hiddenSize: 8, numHiddenLayers: 4, numAttentionHeads: 2, intermediateSize: 16, maxPositionEmbeddings: 16, numLabels: 2 }));
const names = BERT.parameters.map((p) => p.name);
// the phases written out by prefix, FTS's reversed order inside each: an oracle independent of the block detection
const reversedWith = (prefixes: readonly string[]) => names.filter((n) => prefixes.some((p) => n.startsWith(p))).reverse();
const HEAD = reversedWith(['classifier.', 'bert.pooler.']);
const LAYER = (i: number) => reversedWith([`bert.encoder.layer.${i}.`]);
const EMBEDDINGS = reversedWith(['bert.embeddings.']);

describe('generateLayerSchedule: FTS generated schedule merged by layer', () => {
  it('BERT, one layer a phase: head, layer 3, 2, 1, 0, embeddings; phase 0 without lr, the rest at baseMaxLr', () => {
    const s = generateLayerSchedule(BERT, { baseMaxLr: 2e-3 });
    assert.deepEqual(s.map((p) => p.params), [HEAD, LAYER(3), LAYER(2), LAYER(1), LAYER(0), EMBEDDINGS]);
    assert.deepEqual(s.map((p) => [p.lr, p.max_transition_epoch]), [[undefined, -1], ...Array(5).fill([2e-3, -1])]);
  });

  it('BERT, two and three layers a phase: the bottom remainder is a phase of its own', () => {
    assert.deepEqual(generateLayerSchedule(BERT, { layersPerPhase: 2 }).map((p) => p.params), [HEAD, [...LAYER(3), ...LAYER(2)], [...LAYER(1), ...LAYER(0)], EMBEDDINGS]);
    assert.deepEqual(generateLayerSchedule(BERT, { layersPerPhase: 3 }).map((p) => p.params), [HEAD, [...LAYER(3), ...LAYER(2), ...LAYER(1)], LAYER(0), EMBEDDINGS]);
    assert.deepEqual(generateLayerSchedule(BERT, { layersPerPhase: 9 }).map((p) => p.params.length), [HEAD.length, 4 * LAYER(0).length, EMBEDDINGS.length]);
  });

  for (const per of [1, 2, 3, 4]) {
    it(`BERT, ${per} layer(s) a phase: passes graft's schedule validation, every parameter in exactly one phase, and reads back from its YAML`, () => {
      const s = generateLayerSchedule(BERT, { layersPerPhase: per, baseMaxLr: 1e-3 });
      const c = validateSchedule(s, BERT);
      assert.deepEqual([c.errors, c.warnings, c.notices], [[], [], []]);
      assert.deepEqual(Object.keys(c.assignment).sort(), [...names].sort());
      assert.equal(s.flatMap((p) => p.params).length, names.length, 'no parameter twice');
      const back = parseSchedule(printSchedule(s, ['by layer']));
      assert.ok(E.isRight(back));
      assert.deepEqual(back.right, s);
      assert.ok(E.isRight(checkSchedule(back.right, BERT)));
    });
  }

  it('GPT-like names: ln_f and the head after the blocks go first, the token embedding last; max_transition_epochs phase by phase', () => {
    const s = generateLayerSchedule(GPT, { maxTransitionEpochs: [1, 3] });
    assert.deepEqual(s, [
      { params: ['head.weight', 'ln_f.weight'], max_transition_epoch: 1 },
      { params: ['h.1.attn.bias', 'h.1.attn.weight'], max_transition_epoch: 3, lr: 1e-5 },
      { params: ['h.0.ln_1.weight', 'h.0.attn.bias', 'h.0.attn.weight'], max_transition_epoch: -1, lr: 1e-5 },
      { params: ['wte.weight'], max_transition_epoch: -1, lr: 1e-5 },
    ]);
  });

  it('a model without numbered layers is one phase; no parameters, no phases', () => {
    assert.deepEqual(generateLayerSchedule(specOf(['a.w', 'b.w'])), [{ params: ['b.w', 'a.w'], max_transition_epoch: -1 }]);
    assert.deepEqual(generateLayerSchedule(specOf([])), []);
  });
});
