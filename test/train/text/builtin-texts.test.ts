// Built-in labelled text (`data: spam-assassin`): each seed's labelled set and the held-out mail are corpus mails
// read directly (text and group), labels mapped by name into the model's set, never overlapping; sizes and labels
// that do not fit are named.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as E from 'fp-ts/lib/Either.js';
import { builtinTexts } from '../../../src/train/text/builtin-texts.js';
import { loadSpamAssassin, readMail, spamAssassinFiles } from '../../../src/train/text/spam-assassin.js';
import { spamSplits } from '../../../src/train/text/spam-splits.js';
import { DEFAULT_TEXT_JOB } from '../../../src/train/text/text-job.js';

const all = loadSpamAssassin();
const byText = new Map(all.map((m) => [m.text, m]));

describe('built-in texts: spam-assassin', () => {
  const sizes = { labelled: 40, heldOut: 60 };
  const one = builtinTexts('spam-assassin', sizes, 1, ['ham', 'spam']);
  const two = builtinTexts('spam-assassin', sizes, 2, ['ham', 'spam']);
  assert.ok(E.isRight(one) && E.isRight(two));

  it('the sizes asked for, corpus mails with their own labels (0 ham, 1 spam), training and held-out apart', () => {
    assert.deepEqual([one.right.train.length, one.right.eval.length], [40, 60]);
    for (const x of [...one.right.train, ...one.right.eval]) assert.equal(x.label, byText.get(x.text)?.group.startsWith('spam') ? 1 : 0, x.text.slice(0, 60));
    const held = new Set(one.right.eval.map((x) => x.text));
    assert.ok(one.right.train.every((x) => !held.has(x.text)));
    assert.ok(new Set(one.right.eval.map((x) => x.label)).size === 2, 'both classes held out');
  });

  it('each seed its own labelled set; the same held-out mail', () => {
    assert.notDeepEqual(two.right.train, one.right.train);
    assert.deepEqual(two.right.eval, one.right.eval);
  });

  it('labels go by name: a model labelled [spam, ham] gets them swapped', () => {
    const swapped = builtinTexts('spam-assassin', sizes, 1, ['spam', 'ham', 'other']);
    assert.ok(E.isRight(swapped));
    assert.deepEqual(swapped.right.train.map((x) => x.label), one.right.train.map((x) => 1 - x.label));
  });

  it('the mails graft text draws: a seed\'s labelled set and the held-out set of the job at the same sizes', () => {
    const job = spamSplits(spamAssassinFiles().length, { labelled: sizes.labelled, heldOut: sizes.heldOut, validation: DEFAULT_TEXT_JOB.validation });
    const texts = (idx: readonly number[]) => idx.map((i) => readMail(spamAssassinFiles()[i]).text);
    assert.deepEqual(one.right.train.map((x) => x.text), texts(job.labelledFor(1)));
    assert.deepEqual(two.right.train.map((x) => x.text), texts(job.labelledFor(2)));
    assert.deepEqual(one.right.eval.map((x) => x.text), texts(job.heldOut));
  });

  it('labels the model lacks and sizes past the corpus are named together', () => {
    const bad = builtinTexts('spam-assassin', { labelled: 6000, heldOut: 100 }, 1, ['pos', 'neg']);
    assert.ok(E.isLeft(bad));
    assert.deepEqual(bad.left.map((p) => p.path), ['data', 'labelled']);
    assert.match(bad.left[0].message, /spam-assassin's labels are ham, spam; the model's \(pos, neg\) lack ham, spam/);
    assert.match(bad.left[1].message, /labelled 6000 \+ heldOut 100 \+ graft text's 100 validation mails is more than spam-assassin's 6046 mails/);
  });
});
