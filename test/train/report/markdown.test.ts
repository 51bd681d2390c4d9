import { test } from 'node:test';
import assert from 'node:assert/strict';
import { epochTable, markdownReport, resultsTable } from '../../../src/train/report/markdown.js';
import { RESULTS, TRANSITIONS } from './fixture.js';

test('resultsTable: mean ± sample sd of test accuracy in %, seeds, mean seconds per run', () => {
  assert.equal(resultsTable(RESULTS), [
    '| method | test accuracy % (mean ± sd) | seeds | seconds per run |',
    '| --- | --- | --- | --- |',
    '| full | 92.00 ± 2.83 | 2 | 3.0 |',          // 90 and 94: sd = sqrt(8) = 2.83
    '| scheduled | 88.00 ± 0.00 | 2 | 5.0 |',
  ].join('\n'));
});

test('resultsTable: a single seed has no ± (its sd is not 0, it is undefined)', () => {
  const t = resultsTable([RESULTS[0], RESULTS[1], RESULTS[3]]).split('\n');
  assert.equal(t[2], '| full | 90.00 | 1 | 2.0 |');
  assert.equal(t[3], '| scheduled | 88.00 ± 0.00 | 2 | 5.0 |');
});

test('resultsTable: a resumed run whose time before the resume was not recorded is marked as a lower bound', () => {
  const t = resultsTable([RESULTS[0], { ...RESULTS[2], untimedEpochs: 2 }, { ...RESULTS[1], untimedEpochs: 1 }]).split('\n');
  assert.equal(t[2], '| full | 92.00 ± 2.83 | 2 | ≥ 3.0 (time before a resume not recorded for 1 run) |');
  assert.equal(t[3], '| scheduled | 88.00 | 1 | ≥ 5.0 (time before a resume not recorded for 1 run) |');
  assert.match(resultsTable([{ ...RESULTS[0], untimedEpochs: 1 }, { ...RESULTS[2], untimedEpochs: 3 }]), /\| ≥ 3\.0 \(time before a resume not recorded for 2 runs\) \|$/);
});

test('epochTable: per-epoch means over seeds, epochs from 1', () => {
  assert.equal(epochTable(RESULTS, 'full'), [
    '| epoch | train loss | train acc % | eval loss | eval acc % | seconds |',
    '| --- | --- | --- | --- | --- | --- |',
    '| 1 | 0.7500 | 50.00 | 1.5000 | 37.50 | 0.50 |',
    '| 2 | 0.3750 | 62.50 | 0.7500 | 62.50 | 0.50 |',
    '| 3 | 0.1875 | 75.00 | 0.3750 | 75.00 | 0.50 |',
  ].join('\n'));
  assert.match(epochTable(RESULTS, 'scheduled'), /\| 3 \| 0\.5000 \| 75\.00 \| 1\.0000 \| 62\.50 \| 1\.00 \|$/);
});

test('epochTable: a seeds column when runs stopped at different epochs', () => {
  const short = [...RESULTS, { method: 'full', seed: 3, testAccuracy: 0.5, seconds: 1, records: [RESULTS[0].records[0]] }];
  const t = epochTable(short, 'full').split('\n');
  assert.equal(t[0], '| epoch | train loss | train acc % | eval loss | eval acc % | seconds | seeds |');
  assert.equal(t[2], '| 1 | 0.8333 | 50.00 | 1.6667 | 41.67 | 0.50 | 3 |');
  assert.match(t[3], /\| 2 \|$/);
});

test('markdownReport: title, intro, results, figure, transitions, method notes, per-epoch tables in order', () => {
  const md = markdownReport({ results: RESULTS, title: 'graft mnist', intro: 'An MLP on digits.', transitions: TRANSITIONS, methodNotes: { scheduled: 'head first.' } });
  const order = ['# graft mnist', 'An MLP on digits.', '## Results', '| full | 92.00 ± 2.83 | 2 | 3.0 |', '![loss and accuracy](curves.svg)',
    "phase transitions: thaw body after epoch 1.", '## Methods', '- **full**: full fine-tuning', '- **scheduled**: head first.', '### full', '| 3 | 0.1875 |', '### scheduled'];
  let at = -1;
  for (const s of order) {
    const i = md.indexOf(s, at + 1);
    assert.ok(i > at, `${JSON.stringify(s)} comes next`);
    at = i;
  }
  assert.match(md, /means over 2 seeds, shaded ± 1 sd/);
  assert.ok(md.endsWith('\n'));
});

test('markdownReport: figure path, no figure, unknown methods', () => {
  assert.match(markdownReport({ results: RESULTS, figure: 'curves.png' }), /!\[loss and accuracy\]\(curves\.png\)/);
  const none = markdownReport({ results: RESULTS, figure: null });
  assert.ok(!none.includes('!['));
  assert.ok(!none.includes('Dashed'));
  assert.match(markdownReport({ results: [{ ...RESULTS[0], method: 'lora' }] }), /- \*\*lora\*\*: \(no description\)/);
});
