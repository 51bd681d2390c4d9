import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFinetune } from '../../src/cli/finetune.js';
import { FinetuneConfigCodec } from '../../src/train/finetune-config.js';
import { runGraft } from './graft-process.js';

test('graft finetune reports every config problem and runs nothing; --overfit-batch memorises one batch and says so', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'graft-finetune-'));
  const lines: string[] = [];
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, `hidden: -1\nout: ${JSON.stringify(join(dir, 'runs'))}\nmethods: [nope]\n`);
  assert.equal(await runFinetune(bad, {}, (l) => lines.push(l)), 1);
  assert.match(lines.join('\n'), /bad\.yaml: hidden: expected integer in \[1, 2739137\] .*, got -1/);
  assert.match(lines.join('\n'), /bad\.yaml: methods\[0\]/);
  assert.ok(!existsSync(join(dir, 'runs')), 'nothing ran');

  const ok = join(dir, 'ok.yaml');
  writeFileSync(ok, `hidden: 32\npretrainEpochs: 1\nfinetuneEpochs: 8\nlabelled: 200\nheldOut: 300\nlr: 0.003\nseeds: [1]\nbackend: webasm\nout: ${JSON.stringify(join(dir, 'runs'))}\n`);
  const out: string[] = [];
  assert.equal(await runFinetune(ok, { overfitBatch: true }, (l) => out.push(l)), 0, out.join('\n'));
  assert.match(out.join('\n'), /sanity check passed: the batch of 50 was memorised/);
  rmSync(dir, { recursive: true, force: true });
});

// what the user saw: a crash and a half-written folder, training on nothing, a clamped count, a doubled seed, a
// default run from an empty file, a trailing comma accepted; each is refused with the file, the key and the limit
test('graft finetune checks the config against the data before anything runs, and creates no run folder', async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'graft-finetune-sizes-'));
  const pool = 'the data has 4869 images of digits 5-9 for the held-out, validation and labelled sets together';
  const cases: Array<[string, string, string[]]> = [
    ['held-out.yaml', 'heldOut: 100000\n', [`held-out.yaml: heldOut: 100000 held-out images asked for, but ${pool}: at most 3869 with the default validation 500 and labelled 500`]],
    ['validation.yaml', 'validation: 5000\n', [`validation.yaml: validation: 5000 validation images asked for, but ${pool}: at most 2369 with the default heldOut 2000 and labelled 500`]],
    ['labelled.yaml', 'labelled: 100000\n', [`labelled.yaml: labelled: 100000 labelled images asked for, but ${pool}: at most 2369 with the default heldOut 2000 and validation 500`]],
    ['seeds.yaml', 'seeds: [1, 1]\n', ['seeds.yaml: seeds: seed 1 is given more than once in [1, 1]: expected distinct seeds (each is one run per method)']],
    ['empty.yaml', '', ['empty.yaml: (file): the file is empty: expected at least one setting (`graft mnist` runs the defaults)']],
    ['comma.json', '{\n  "hidden": 32,\n}\n', ['comma.json: line 3, column 1: not valid JSON: Expected double-quoted property name']],
    ['out-file.yaml', 'out: comma.json/runs\n', [`out-file.yaml: out: expected a folder (existing, or one to create), got 'comma.json/runs' (${join(cwd, 'comma.json')} is a file, not a folder)`]],
    ['all.yml', 'heldOut: 2000\nvalidation: 2000\nlabelled: 900\nseeds: [2, 2]\nbatchSize: 1000\n', [
      'all.yml: batchSize: batch of 1000 is larger than the 900 labelled images',
      'all.yml: seeds: seed 2 is given more than once in [2, 2]: expected distinct seeds (each is one run per method)',
      `all.yml: heldOut: 2000 held-out images asked for, but ${pool}: at most 1969 with validation 2000 and labelled 900`,
      `all.yml: validation: 2000 validation images asked for, but ${pool}: at most 1969 with heldOut 2000 and labelled 900`,
      `all.yml: labelled: 900 labelled images asked for, but ${pool}: at most 869 with heldOut 2000 and validation 2000`,
    ]],
    // the user saw the run header, `graft: Invalid typed array length` and a half-written run folder
    ['hidden.yaml', 'hidden: 100000000\n', ['hidden.yaml: hidden: expected integer in [1, 2739137] (the 784 × hidden first-layer weights are one tensor, at most 2^31 - 1 elements), got 100000000']],
    ['list.yaml', '- 1\n- 2\n', ['list.yaml: (file): expected a mapping of settings (hidden, pretrainEpochs, finetuneEpochs, labelled, validation, heldOut, batchSize, stepsPerCall, lr, reserveP, seeds, headEpochs, methods, backend, out), got a list']],
    ['tabc.yaml', 'hidden: 32\n\tlr: 0.1\n', ['tabc.yaml: line 2, column 1: not valid YAML: Tabs are not allowed as indentation']],
    ['epochs.yaml', 'finetuneEpochs: 2\nmethods: [full]\nheldOut: 4867\n', ['epochs.yaml: heldOut: 4867 held-out images asked for, but ' + pool + ': at most 3869 with the default validation 500 and labelled 500']],
  ];
  const ran = await Promise.all(cases.map(async ([file, text, want]) => {
    writeFileSync(join(cwd, file), text);
    return { file, want, got: await runGraft(['finetune', '--config', file], { cwd }) };
  }));
  for (const { file, want, got } of ran) {
    assert.equal(got.code, 1, `${file}: ${got.stdout}${got.stderr}`);
    assert.deepEqual(got.stdout.split('\n').filter((l) => l.startsWith('error: ')), want.map((w) => `error: ${w}`), file);
  }
  assert.deepEqual(readdirSync(cwd).sort(), cases.map(([f]) => f).sort(), 'no run folder, no cache');
  rmSync(cwd, { recursive: true, force: true });
});

// the help listed every config key but `validation`
test('graft finetune --help lists every key a config may set', async () => {
  const { code, stdout } = await runGraft(['finetune', '--help'], {});
  assert.equal(code, 0);
  const help = stdout.replace(/\s+/g, ' ');
  const listed = /--config <file> ([\w, ]+)/.exec(help)?.[1].split(', ').map((k) => k.trim()).filter(Boolean);
  assert.deepEqual(listed, Object.keys(FinetuneConfigCodec.type.props));
});
