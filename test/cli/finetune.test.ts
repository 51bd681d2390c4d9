import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFinetune } from '../../src/cli/finetune.js';

test('graft finetune reports every config problem and runs nothing; --overfit-batch memorises one batch and says so', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'graft-finetune-'));
  const lines: string[] = [];
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, `hidden: -1\nout: ${JSON.stringify(join(dir, 'runs'))}\nmethods: [nope]\n`);
  assert.equal(await runFinetune(bad, {}, (l) => lines.push(l)), 1);
  assert.match(lines.join('\n'), /bad\.yaml: hidden: expected integer >= 1, got -1/);
  assert.match(lines.join('\n'), /bad\.yaml: methods\[0\]/);
  assert.ok(!existsSync(join(dir, 'runs')), 'nothing ran');

  const ok = join(dir, 'ok.yaml');
  writeFileSync(ok, `hidden: 32\npretrainEpochs: 1\nfinetuneEpochs: 8\nlabelled: 200\nheldOut: 300\nlr: 0.003\nseeds: [1]\nbackend: webasm\nout: ${JSON.stringify(join(dir, 'runs'))}\n`);
  const out: string[] = [];
  assert.equal(await runFinetune(ok, { overfitBatch: true }, (l) => out.push(l)), 0, out.join('\n'));
  assert.match(out.join('\n'), /sanity check passed: the batch of 50 was memorised/);
  rmSync(dir, { recursive: true, force: true });
});
