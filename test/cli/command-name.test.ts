// The comparison's output names the command the user ran: `graft finetune` never says `graft mnist`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runGraft } from './graft-process.js';

test('graft finetune --config: its log, results.md and curves are titled graft finetune', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'graft-name-'));
  try {
    writeFileSync(join(dir, 'tiny.yaml'), 'hidden: 8\npretrainEpochs: 1\nfinetuneEpochs: 1\nheadEpochs: 1\nlabelled: 50\nvalidation: 50\nheldOut: 50\nbatchSize: 25\nseeds: [1]\nmethods: [full]\nbackend: webasm\nout: runs\n');
    const r = await runGraft(['finetune', '--config', 'tiny.yaml'], { cwd: dir });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^graft finetune: backend webasm; outputs in runs\//m);
    assert.doesNotMatch(r.stdout + r.stderr, /graft mnist/);
    const run = join(dir, 'runs', readdirSync(join(dir, 'runs')).find((f) => f !== 'cache')!);
    assert.match(readFileSync(join(run, 'results.md'), 'utf8'), /graft finetune: fine-tuning methods compared/);
    assert.match(readFileSync(join(run, 'curves.svg'), 'utf8'), /graft finetune: loss and accuracy per epoch/);
    assert.doesNotMatch(readFileSync(join(run, 'results.md'), 'utf8') + readFileSync(join(run, 'curves.svg'), 'utf8'), /graft mnist/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
