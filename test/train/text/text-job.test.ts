// graft text's scheduled method's schedule (FTS's generated one merged by layer, thawed by epoch) and its runs'
// checkpoint key.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as E from 'fp-ts/lib/Either.js';
import * as nn from '../../../src/nn/index.js';
import { parseSchedule, printSchedule, validateSchedule } from '../../../src/optim/phases/index.js';
import { pretrainBertConfig } from '../../../src/train/text/pretrained-bert.js';
import { DEFAULT_TEXT_JOB, textRunKey, textSchedule } from '../../../src/train/text/text-job.js';

const model = nn.bertClassifier(pretrainBertConfig(DEFAULT_TEXT_JOB, DEFAULT_TEXT_JOB.vocabSize));
const spec = nn.modelSpec(model);
const names = spec.parameters.map((p) => p.name);

describe("graft text's schedule", () => {
  it('the default: head, the four encoder layers, embeddings; thawed by epochs 1 and 2 at the latest; later phases at scheduleLr', () => {
    const s = textSchedule(DEFAULT_TEXT_JOB, model);
    const layer = (n: string) => n.startsWith('bert.encoder.layer.');
    assert.deepEqual(s.map((p) => [...p.params].sort()), [names.filter((n) => n.startsWith('classifier.') || n.startsWith('bert.pooler.')).sort(), names.filter(layer).sort(), names.filter((n) => n.startsWith('bert.embeddings.')).sort()]);
    assert.deepEqual(s.map((p) => [p.max_transition_epoch, p.lr]), [[1, undefined], [2, DEFAULT_TEXT_JOB.scheduleLr], [-1, DEFAULT_TEXT_JOB.scheduleLr]]);
  });

  for (const [what, changes] of [['default', {}], ["FTS's as generated", { scheduleLayers: 0, scheduleThawEpochs: 0 }], ['a layer a phase, thawed every 2 epochs', { scheduleLayers: 1, scheduleThawEpochs: 2, scheduleLr: 0 }]] as const) {
    it(`${what}: passes graft's schedule validation, every parameter in exactly one phase, written as FTS YAML and read back the same`, () => {
      const cfg = { ...DEFAULT_TEXT_JOB, ...changes };
      const s = textSchedule(cfg, model);
      const c = validateSchedule(s, spec);
      assert.deepEqual(c.errors, []);
      assert.deepEqual(Object.keys(c.assignment).sort(), [...names].sort());
      assert.equal(s.flatMap((p) => p.params).length, names.length);
      assert.ok(s.slice(1).every((p) => p.lr === (cfg.scheduleLr || cfg.lr)));
      const back = parseSchedule(printSchedule(s, ['graft text']));
      assert.ok(E.isRight(back));
      assert.deepEqual(back.right, s);
    });
  }
});

describe("graft text's checkpoint key", () => {
  it('changes with every setting that changes a run\'s numbers, not with the seeds or methods run beside it or the pace', () => {
    const key = textRunKey(DEFAULT_TEXT_JOB, 'scheduled', 1);
    for (const [k, v] of [['lr', 1e-3], ['scheduleLayers', 2], ['scheduleThawEpochs', 3], ['schedulePatience', 2], ['scheduleLr', 1e-4], ['finetuneSeq', 32], ['vocabSize', 2048]] as const) assert.notEqual(textRunKey({ ...DEFAULT_TEXT_JOB, [k]: v }, 'scheduled', 1), key, k);
    assert.notEqual(textRunKey(DEFAULT_TEXT_JOB, 'full', 1), key);
    assert.notEqual(textRunKey(DEFAULT_TEXT_JOB, 'scheduled', 2), key);
    assert.equal(textRunKey({ ...DEFAULT_TEXT_JOB, seeds: [7], methods: ['full'], stepsPerCall: 1 }, 'scheduled', 1), key);
  });
});
