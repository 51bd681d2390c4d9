// The README's `graft schedule` commands run as written, on the model spec, wrap policy and schedule that ship in
// examples/: the commands are read from the README itself, so the test breaks when the README and the files part.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bertSpec } from '../../src/shard/index.js';
import { runGraft } from './graft-process.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Each `graft schedule …` line of the README's ```sh blocks, without its trailing comment, as arguments. */
const readmeScheduleCommands = (): string[][] =>
  [...readFileSync(join(ROOT, 'README.md'), 'utf8').matchAll(/```sh\n([\s\S]*?)```/g)]
    .flatMap((m) => m[1].split('\n'))
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter((line) => line.startsWith('graft schedule '))
    .map((line) => line.split(/\s+/).slice(1));

let dir: string;
before(() => {
  // a clone's layout, so the README's relative paths hold and generated files land outside the repository
  dir = mkdtempSync(join(tmpdir(), 'graft-readme-'));
  cpSync(join(ROOT, 'examples'), join(dir, 'examples'), { recursive: true });
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('the README shows validate, explain and generate', () => {
  assert.deepEqual(readmeScheduleCommands().map((args) => args[1]), ['validate', 'explain', 'generate']);
});

test('examples/bert.json is BERT-base: the spec graft builds for it, module for module and shape for shape', () => {
  assert.deepEqual(JSON.parse(readFileSync(join(ROOT, 'examples', 'bert.json'), 'utf8')), JSON.parse(JSON.stringify(bertSpec(12))));
});

test('every README schedule command exits 0 as written, and the schedule generate writes validates', async () => {
  for (const args of readmeScheduleCommands()) {
    const r = await runGraft(args, { cwd: dir });
    assert.equal(r.code, 0, `graft ${args.join(' ')}\n${r.stdout}${r.stderr}`);
    assert.equal(r.stderr, '', `graft ${args.join(' ')}`);
    if (args[1] === 'validate') assert.match(r.stdout, /^valid: 3 phases .*; phases are disjoint over 16 flat units$/m);
    if (args[1] === 'explain') assert.match(r.stdout, /params\[0\] 'classifier\.\*' \(regex\), 2 match\(es\)/);
    if (args[1] === 'generate') {
      const out = args[args.indexOf('--out') + 1];
      const v = await runGraft(['schedule', 'validate', out, '--model', args[args.indexOf('--model') + 1]], { cwd: dir });
      assert.equal(v.code, 0, v.stdout + v.stderr);
      assert.match(v.stdout, /^valid: 101 phases/m);
    }
  }
});
