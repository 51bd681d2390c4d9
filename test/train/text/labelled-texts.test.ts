// Users' labelled text files: JSONL and CSV (quoted commas, newlines and quotes) read into examples; every problem
// (not UTF-8, bad JSON, missing columns, empty texts, labels outside the model's set, ragged rows) named at once.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as E from 'fp-ts/lib/Either.js';
import { parseCsv, readLabelledTexts } from '../../../src/train/text/labelled-texts.js';

const cols = { text: 'text', label: 'label', labels: ['ham', 'spam'] };
const bytes = (s: string) => new TextEncoder().encode(s);

describe('labelled text files', () => {
  it('JSONL: one object a line, labels by name', () => {
    const r = readLabelledTexts('a.jsonl', cols, bytes('{"text": "hi there", "label": "ham"}\n\n{"text": "WIN", "label": "spam", "id": 7}\n'));
    assert.deepEqual(r, E.right([{ text: 'hi there', label: 0 }, { text: 'WIN', label: 1 }]));
  });

  it('CSV: a header, quoted fields with commas, newlines and doubled quotes', () => {
    assert.deepEqual(parseCsv('text,label\r\n"a, b",ham\n"say ""hi""\nthen",spam\n').records, [
      { line: 1, fields: ['text', 'label'] }, { line: 2, fields: ['a, b', 'ham'] }, { line: 3, fields: ['say "hi"\nthen', 'spam'] },
    ]);
    const r = readLabelledTexts('a.csv', cols, bytes('label,text\nspam,"x, y"\nham,z'));
    assert.deepEqual(r, E.right([{ text: 'x, y', label: 1 }, { text: 'z', label: 0 }]));
  });

  it('every problem at once, with its line and column', () => {
    const r = readLabelledTexts('a.jsonl', cols, bytes('{"text": "", "label": "ham"}\n{"txt": "x", "label": "eggs"}\nnot json\n[1]\n'));
    assert.ok(E.isLeft(r));
    assert.deepEqual(r.left.map((p) => p.path), ['line 3', 'line 4', 'line 1: column "text"', 'line 2: column "text"', 'line 2: column "label"']);
    assert.match(r.left[4].message, /"eggs" is not one of the model's labels \(ham, spam\)/);
    const csv = readLabelledTexts('b.csv', cols, bytes('text,label\n"open,ham\n'));
    assert.ok(E.isLeft(csv) && csv.left.some((p) => /never closed/.test(p.message)));
    const ragged = readLabelledTexts('c.csv', cols, bytes('text,label\na,ham,extra\n'));
    assert.ok(E.isLeft(ragged) && ragged.left[0].path === 'line 2' && /3 fields, the header has 2/.test(ragged.left[0].message));
  });

  it('not UTF-8, another extension, or no examples', () => {
    assert.deepEqual(readLabelledTexts('a.jsonl', cols, Uint8Array.of(0x7b, 0xff, 0x7d)), E.left([{ file: 'a.jsonl', path: '(file)', message: 'not UTF-8 text' }]));
    assert.deepEqual(readLabelledTexts('a.txt', cols, bytes('x')), E.left([{ file: 'a.txt', path: '(file)', message: 'expected a .jsonl or .csv file' }]));
    assert.deepEqual(readLabelledTexts('a.csv', cols, bytes('text,label\n')), E.left([{ file: 'a.csv', path: '(file)', message: 'no examples' }]));
  });
});
