// SpamAssassin mail as text: subject (folded lines joined) and body, markup and entities and quoted-printable soft
// breaks removed, headers left out; splits that never overlap; accuracy and spam F1 by hand.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mailText, readMail, spamAssassinFiles } from '../../../src/train/text/spam-assassin.js';
import { spamScores, spamSplits } from '../../../src/train/text/spam-splits.js';

describe('mail as text', () => {
  it('subject and body, without headers, markup, entities or soft line breaks', () => {
    const raw = 'From: a@b.example\nSubject: Cheap\n  meds today\nX-Spam: yes\n\n<html><style>p {color: red}</style><p>Buy&nbsp;now &amp; save=\n big!</p></html>\n';
    assert.equal(mailText(raw), 'Cheap meds today Buy now & save big!');
  });

  it('a mail without a body or subject is what it has', () => {
    assert.equal(mailText('Subject: only this'), 'only this');
    assert.equal(mailText('From: x\n\nhello   world'), 'hello world');
  });

  it('the corpus: 6046 files; a spam file reads as spam, an easy ham as ham', () => {
    const files = spamAssassinFiles();
    assert.equal(files.length, 6046);
    const spam = readMail(files.find((f) => f.startsWith('spam-1/'))!);
    const ham = readMail(files.find((f) => f.startsWith('easy-ham-1/'))!);
    assert.deepEqual([spam.label, spam.group, ham.label, ham.group], [1, 'spam-1', 0, 'easy-ham-1']);
    assert.ok(!/^Return-Path|Received:/m.test(spam.text), 'no headers');
  });
});

describe('splits and scores', () => {
  it('held-out, validation and each seed\'s labelled set never overlap; seeds draw different labelled sets', () => {
    const s = spamSplits(500, { labelled: 50, validation: 40, heldOut: 100 });
    const fixed = new Set([...s.heldOut, ...s.validation]);
    assert.equal(fixed.size, 140);
    for (const seed of [1, 2]) assert.ok(s.labelledFor(seed).every((i) => !fixed.has(i)) && new Set(s.labelledFor(seed)).size === 50);
    assert.notDeepEqual(s.labelledFor(1), s.labelledFor(2));
  });

  it('accuracy and spam F1 by hand: tp 2, fp 1, fn 1 -> F1 4/6', () => {
    assert.deepEqual(spamScores([1, 1, 1, 0, 0, 0], [1, 1, 0, 1, 0, 0]), { accuracy: 4 / 6, f1: 4 / 6 });
    assert.deepEqual(spamScores([0, 0], [0, 0]), { accuracy: 1, f1: 0 });
  });
});
