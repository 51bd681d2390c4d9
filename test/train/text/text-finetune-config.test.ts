// A text config naming a built-in set (`data`) instead of files: checked with every other problem before anything
// runs, its labels becoming the model's head when the config names none.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as E from 'fp-ts/lib/Either.js';
import { needsBuild, resolveTextFinetune } from '../../../src/train/text/text-finetune-config.js';

const MODEL = fileURLToPath(new URL('../hf/fixtures/hf-bert-f32', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'graft-text-data-'));
const file = join(dir, 'task.yaml');
writeFileSync(join(dir, 'train.jsonl'), '{"text": "a", "label": "pos"}\n');

describe('data: a built-in set in a text config', () => {
  it('spam-assassin: the seed\'s labelled mails and the held-out mails, the model given a ham/spam head', () => {
    const job = resolveTextFinetune({ model: MODEL, data: 'spam-assassin', labelled: 24, heldOut: 30, seqLength: 7, batchSize: 8 }, file);
    assert.ok(E.isRight(job) && !needsBuild(job.right), E.isLeft(job) ? JSON.stringify(job.left) : '');
    assert.deepEqual([job.right.train.length, job.right.eval.length, job.right.model.labels], [24, 30, ['ham', 'spam']]);
  });

  it('every problem at once: an unknown set, files beside it, sizes without a set, labels the set lacks, too many mails', () => {
    const problems = (raw: Record<string, unknown>) => {
      const r = resolveTextFinetune({ model: MODEL, seqLength: 7, ...raw }, file);
      assert.ok(E.isLeft(r));
      return r.left.map((p) => `${p.path}: ${p.message}`);
    };
    const has = (errors: string[], re: RegExp) => assert.ok(errors.some((e) => re.test(e)), `${re}\n${errors.join('\n')}`);
    const a = problems({ data: 'enron', train: 'train.jsonl' });
    has(a, /^data: "enron" is not a built-in set \(spam-assassin\)/);
    has(a, /^train: give data \(a built-in set\) or train and eval \(your files\), not both/);
    const b = problems({ data: 'spam-assassin', labels: ['pos', 'neg', 'neutral'], labelled: 6000, heldOut: 1000 });
    has(b, /^data: spam-assassin's labels are ham, spam; the model's \(pos, neg, neutral\) lack ham, spam/);
    has(b, /^labelled: labelled 6000 \+ heldOut 1000 \+ graft text's 100 validation mails is more than spam-assassin's 6046 mails/);
    const c = problems({ train: 'train.jsonl', eval: 'train.jsonl', labelled: 10 });
    has(c, /^labelled: sizes a built-in set: give data too/);
    const d = problems({ data: 'spam-assassin', heldOut: 0 });
    has(d, /^heldOut: expected an integer >= 1, got 0/);
  });
});
