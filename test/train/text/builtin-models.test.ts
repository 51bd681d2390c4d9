// `model: text-bert` in a text config before it is built: checked, with every other problem, against what graft text
// will build (its labels, positions, parameter names), nothing built while any problem stands.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as E from 'fp-ts/lib/Either.js';
import { needsBuild, resolveTextFinetune } from '../../../src/train/text/text-finetune-config.js';
import { DEFAULT_TEXT_JOB } from '../../../src/train/text/text-job.js';

const MODEL = fileURLToPath(new URL('../hf/fixtures/hf-bert-f32', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'graft-builtin-model-'));
const file = join(dir, 'task.yaml');
const out = join(dir, 'runs');
writeFileSync(join(dir, 'train.jsonl'), '{"text": "a", "label": "LABEL_0"}\n{"text": "b", "label": "LABEL_1"}\n');
writeFileSync(join(dir, 'bad.jsonl'), '{"text": "a", "label": "spam"}\n');
writeFileSync(join(dir, 'schedule.yaml'), '0:\n  params:\n    - classifier.weight\n    - classifier.bias\n1:\n  params:\n    - bert.encoder.layer.1.output.dense.weight\n    - no.such.param\n');

describe('model: text-bert, not built yet', () => {
  it('a good config: to build at graft text\'s cache place under out, with graft text\'s settings and the changes pretrain names', () => {
    const r = resolveTextFinetune({ model: 'text-bert', pretrain: { layers: 1, hidden: 16, heads: 2, intermediate: 32, seqLength: 32, vocabSize: 300 }, data: 'spam-assassin', labelled: 16, heldOut: 24, seqLength: 32, batchSize: 8, out }, file);
    assert.ok(E.isRight(r) && needsBuild(r.right), E.isLeft(r) ? JSON.stringify(r.left) : 'built already');
    assert.deepEqual(r.right.build, { pretrain: { ...DEFAULT_TEXT_JOB, layers: 1, hidden: 16, heads: 2, intermediate: 32, seqLength: 32, vocabSize: 300 }, cacheDir: join(out, 'cache'), labels: ['ham', 'spam'] });
    assert.ok(!existsSync(out), 'nothing built while resolving');
  });

  it('its own labels when the config names none; user files checked against them', () => {
    const r = resolveTextFinetune({ model: 'text-bert', train: 'train.jsonl', eval: 'train.jsonl', batchSize: 2, out }, file);
    assert.ok(E.isRight(r) && needsBuild(r.right), E.isLeft(r) ? JSON.stringify(r.left) : '');
    assert.deepEqual(r.right.build.labels, ['LABEL_0', 'LABEL_1']);
    assert.equal(r.right.build.pretrain, DEFAULT_TEXT_JOB, "graft text's defaults: the same cache");
  });

  it('every problem at once: pre-training settings, positions, a data label, the schedule against its parameters, pretrain with a folder', () => {
    const r = resolveTextFinetune({ model: 'text-bert', pretrain: { layers: 2, seqLength: 32, colour: 'red', heads: 3 }, train: 'bad.jsonl', eval: 'train.jsonl', method: 'scheduled', schedule: 'schedule.yaml', seqLength: 64, batchSize: 1, out }, file);
    assert.ok(E.isLeft(r));
    const errors = r.left.map((p) => `${p.file}: ${p.path}: ${p.message}`);
    const has = (re: RegExp) => assert.ok(errors.some((e) => re.test(e)), `${re}\n${errors.join('\n')}`);
    has(/task\.yaml: pretrain\.colour: not a pre-training setting/);
    has(/task\.yaml: pretrain\.heads: 3 heads do not divide hidden 128/);
    assert.ok(!errors.some((e) => /pretrain: .*seqLength|finetuneSeq/.test(e)), `graft text's own fine-tuning checks are not this config's:\n${errors.join('\n')}`);
    has(/bad\.jsonl: line 1: column "label": "spam" is not one of the model's labels \(LABEL_0, LABEL_1\)/);
    // with pretrain's heads wrong its positions and parameters are unknown: those checks come with good pre-training settings
    const s = resolveTextFinetune({ model: 'text-bert', pretrain: { layers: 2, seqLength: 32 }, train: 'bad.jsonl', eval: 'train.jsonl', method: 'scheduled', schedule: 'schedule.yaml', seqLength: 64, batchSize: 1, out }, file);
    assert.ok(E.isLeft(s));
    const more = s.left.map((p) => `${p.file}: ${p.path}: ${p.message}`);
    const hasMore = (re: RegExp) => assert.ok(more.some((e) => re.test(e)), `${re}\n${more.join('\n')}`);
    hasMore(/task\.yaml: seqLength: 64 tokens, more than the model's 32 positions/);
    hasMore(/bad\.jsonl: line 1: column "label": "spam" is not one of the model's labels \(LABEL_0, LABEL_1\)/);
    hasMore(/schedule\.yaml: .*no\.such\.param/);
    const t = resolveTextFinetune({ model: MODEL, pretrain: { layers: 2 }, train: 'train.jsonl', eval: 'train.jsonl', labels: ['LABEL_0', 'LABEL_1'], seqLength: 7, batchSize: 1 }, file);
    assert.ok(E.isLeft(t));
    assert.match(t.left.map((p) => `${p.path}: ${p.message}`).join('\n'), /pretrain: pre-training settings are for a built-in model \(text-bert\)/);
    assert.ok(!existsSync(out), 'nothing built');
  });
});
