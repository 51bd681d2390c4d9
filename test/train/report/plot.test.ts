import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CurveRow } from '../../../src/train/report/plot.js';
import { curvesSpec, plotRows } from '../../../src/train/report/plot.js';
import { RESULTS, TRANSITIONS } from './fixture.js';

const curves = (rows: readonly { kind: string }[]) => rows.filter((r): r is CurveRow => r.kind === 'mean');

test('plotRows: mean ± sd over seeds for every method, epoch (from 1), metric and split', () => {
  const rows = plotRows(RESULTS, TRANSITIONS);
  const c = curves(rows);
  assert.equal(c.length, 2 * 3 * 4);
  assert.deepEqual([...new Set(c.map((r) => r.method))], ['full', 'scheduled']);
  assert.deepEqual([...new Set(c.map((r) => r.epoch))], [1, 2, 3]);
  const at = (method: string, metric: string, split: string, epoch: number) => c.find((r) => r.method === method && r.metric === metric && r.split === split && r.epoch === epoch)!;
  // full, epoch 1: train losses 1 and 0.5 -> mean 0.75, sd sqrt(0.125)
  const l = at('full', 'loss', 'train', 1);
  assert.equal(l.mean, 0.75);
  assert.ok(Math.abs(l.hi - l.mean - Math.sqrt(0.125)) < 1e-12 && Math.abs(l.mean - l.lo - Math.sqrt(0.125)) < 1e-12);
  assert.equal(l.seeds, 2);
  assert.equal(at('full', 'loss', 'eval', 2).mean, 0.75);          // eval loss = 2 × train loss: (1 + 0.5) / 2
  assert.equal(at('full', 'accuracy', 'eval', 3).mean, 0.75);      // (0.875 + 0.625) / 2
  assert.equal(at('full', 'accuracy', 'train', 2).mean, 0.625);    // 0.5 + 1/8 for both seeds
  const s = at('scheduled', 'accuracy', 'eval', 3);
  assert.deepEqual([s.mean, s.lo, s.hi], [0.625, 0.625, 0.625]);   // identical seeds: no spread
  assert.deepEqual(rows.filter((r) => r.kind === 'transition'), [{ kind: 'transition', epoch: 1, label: 'thaw body' }]);
});

test('curvesSpec: four panels, a line per method in method order, band, dashed transition rules with labels', () => {
  const spec = curvesSpec(RESULTS, TRANSITIONS, { title: 'demo' }) as any;
  assert.equal(spec.title, 'demo');
  assert.deepEqual(spec.data.values, plotRows(RESULTS, TRANSITIONS));
  const panels = spec.vconcat.flatMap((r: any) => r.hconcat);
  assert.equal(panels.length, 4);
  const titles = panels.map((p: any) => p.layer.find((l: any) => l.mark.type === 'line').encoding.y.title);
  assert.deepEqual(titles, ['train loss', 'eval loss', 'train accuracy', 'eval accuracy']);
  for (const p of panels) {
    const marks = p.layer.map((l: any) => l.mark.type);
    assert.deepEqual(marks, ['area', 'line', 'rule', 'text']);
    const line = p.layer[1];
    assert.equal(line.encoding.color.field, 'method');
    assert.deepEqual(line.encoding.color.sort, ['full', 'scheduled']);
    assert.equal(line.encoding.x.field, 'epoch');
    assert.deepEqual(p.layer[0].encoding.y2, { field: 'hi' });
    const [rule, label] = [p.layer[2], p.layer[3]];
    assert.deepEqual(rule.mark.strokeDash, [4, 3]);
    assert.equal(rule.transform[0].filter, "datum.kind === 'transition'");
    assert.equal(rule.encoding.x.field, 'epoch');
    assert.equal(label.encoding.text.field, 'label');
  }
  // each panel's lines read only their own metric and split
  assert.match(panels[3].layer[1].transform[0].filter, /metric === 'accuracy' && datum.split === 'eval'/);
});

test('curvesSpec: band off, no transitions', () => {
  const spec = curvesSpec(RESULTS, [], { band: false }) as any;
  const panel = spec.vconcat[0].hconcat[0];
  assert.deepEqual(panel.layer.map((l: any) => l.mark.type), ['line', 'rule', 'text']);
  assert.equal(spec.data.values.filter((r: any) => r.kind === 'transition').length, 0);
});
