// Run folders written when epochs were counted from 0 still resume: their epochs are read back numbered from 1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RUN_FILES, readRunFolder } from '../../src/cli/run-folder.js';
import { right } from '../nn/harness.js';

const rec = (epoch: number) => ({ epoch, trainLoss: 1, trainAccuracy: 0.5, evalLoss: 1, evalAccuracy: 0.5, seconds: 1 });
const lines = (xs: readonly unknown[]) => xs.map((x) => JSON.stringify(x)).join('\n') + '\n';

test('an old folder (epochs from 0) reads back from 1; a new one (from 1) as it is', () => {
  const dir = mkdtempSync(join(tmpdir(), 'graft-run-folder-'));
  writeFileSync(join(dir, RUN_FILES.config), JSON.stringify({ seeds: [1] }));
  // full finished in the old numbering; scheduled stopped after 2 epochs, also old; child-tuning-F was written in the new one
  writeFileSync(join(dir, RUN_FILES.runs), lines([{ method: 'full', seed: 1, testAccuracy: 0.9, seconds: 2, records: [rec(0), rec(1)] }]));
  writeFileSync(join(dir, RUN_FILES.metrics), lines([
    { method: 'full', seed: 1, ...rec(0) }, { method: 'full', seed: 1, ...rec(1) },
    { method: 'scheduled', seed: 1, ...rec(0), depth: 0 }, { method: 'scheduled', seed: 1, ...rec(1), depth: 0 },
    { method: 'child-tuning-F', seed: 1, ...rec(1) }, { method: 'child-tuning-F', seed: 1, ...rec(2) },
  ]));
  const folder = right(readRunFolder(dir));
  assert.deepEqual(folder.finished[0].records.map((r) => r.epoch), [1, 2]);
  assert.deepEqual(folder.earlier('full', 1).map((r) => r.epoch), [1, 2]);
  assert.deepEqual(folder.earlier('scheduled', 1).map((r) => r.epoch), [1, 2]);
  assert.deepEqual(folder.earlier('child-tuning-F', 1).map((r) => r.epoch), [1, 2]);
  assert.deepEqual(folder.metrics.map((l) => `${l.method}:${l.epoch}`), ['full:1', 'full:2', 'scheduled:1', 'scheduled:2', 'child-tuning-F:1', 'child-tuning-F:2']);
  rmSync(dir, { recursive: true, force: true });
});
