// Every option is decoded like a config value: a bad one is refused naming the option, what was given and what is
// expected; a usage error exits 2 and writes nothing. Each case runs the graft command as a real process.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parse } from 'yaml';
import { bertSpec } from '../../src/shard/index.js';
import { runGraft } from './graft-process.js';

let dir: string;
/** Every path under the working folder: a run that writes nothing leaves it as it was. */
const tree = (root: string): string[] =>
  readdirSync(root, { recursive: true, withFileTypes: true }).map((d) => relative(root, join(d.parentPath, d.name))).sort();

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'graft-options-'));
  writeFileSync(join(dir, 'bert.json'), JSON.stringify(bertSpec(2)));
  writeFileSync(join(dir, 'schedule.yaml'), '0:\n  params: [classifier.*]\n');
  writeFileSync(join(dir, 'a-file'), 'not a folder\n');
  mkdirSync(join(dir, 'a-folder'));
  writeFileSync(join(dir, 'inf.yaml'), 'lr: .inf\nreserveP: .nan\n');
});
after(() => rmSync(dir, { recursive: true, force: true }));

const BACKENDS = /expected "auto" \| "webgpu" \| "wasm" \| "webasm" \| "cpu"/;

// args, then the stderr lines expected (all of them: every problem is reported at once)
const usageErrors: Array<{ args: string[]; env?: Record<string, string>; stderr: RegExp[] }> = [
  { args: ['mnist', '--backend', 'nonsense'], stderr: [/^error: --backend: expected "auto" \| "webgpu" \| "wasm" \| "webasm" \| "cpu", got 'nonsense'$/m] },
  { args: ['mnist', '--seeds', '0', '--epochs', 'abc'], stderr: [/^error: --seeds: expected integer >= 1, got '0'$/m, /^error: --epochs: expected integer >= 1, got 'abc'$/m] },
  { args: ['mnist', '--out', 'a-file'], stderr: [/^error: --out: expected a folder \(existing, or one to create\), got 'a-file' \(it is a file\)$/m] },
  { args: ['mnist', '--out', 'a-file/runs'], stderr: [/^error: --out: expected a folder .*, got 'a-file\/runs' \(.*a-file is a file, not a folder\)$/m] },
  { args: ['mnist', '--resume', 'a-file'], stderr: [/^error: --resume: expected an existing folder, got 'a-file' \(it is a file\)$/m] },
  { args: ['mnist', '--resume', 'a-folder', '--seeds', '2'], stderr: [/^error: --resume: takes the settings from the run folder; leave out --seeds$/m] },
  { args: ['finetune', '--resume', 'a-file'], stderr: [/^error: --resume: expected an existing folder, got 'a-file' \(it is a file\)$/m] },
  { args: ['finetune'], stderr: [/^error: --config: give --config <file> \(or --resume <run-dir>\)$/m] },
  { args: ['mnist'], env: { GRAFT_BACKEND: 'nonsense' }, stderr: [new RegExp(`^error: \\$GRAFT_BACKEND: ${BACKENDS.source}, got 'nonsense'$`, 'm')] },
  { args: ['demo'], env: { GRAFT_BACKEND: 'nonsense' }, stderr: [new RegExp(`^error: \\$GRAFT_BACKEND: ${BACKENDS.source}, got 'nonsense'$`, 'm')] },
  { args: ['demo', '--backend', 'gpu'], stderr: [new RegExp(`^error: --backend: ${BACKENDS.source}, got 'gpu'$`, 'm')] },
  { args: ['schedule', 'validate', 'schedule.yaml', '--model', 'bert.json', '--world-size', 'abc'], stderr: [/^error: --world-size: expected integer >= 1, got 'abc'$/m] },
  { args: ['schedule', 'generate', '--model', 'bert.json', '--base-max-lr', '-5'], stderr: [/^error: --base-max-lr: expected finite number >= 0, got '-5'$/m] },
  { args: ['schedule', 'generate', '--model', 'bert.json', '--base-max-lr', 'abc'], stderr: [/^error: --base-max-lr: expected finite number >= 0, got 'abc'$/m] },
  { args: ['schedule', 'generate', '--model', 'bert.json', '--out', 'a-folder'], stderr: [/^error: --out: expected a file to write, in an existing folder, got 'a-folder' \(it is a folder\)$/m] },
  { args: ['schedule', 'generate', '--model', 'bert.json', '--out', 'no-such-folder/s.yaml'], stderr: [/^error: --out: expected a file to write, in an existing folder, got 'no-such-folder\/s\.yaml' \(the folder .*no-such-folder does not exist\)$/m] },
  { args: ['mnist', '--no-such-option'], stderr: [/unknown option '--no-such-option'/] },
  { args: ['schedule', 'validate', 'schedule.yaml'], stderr: [/required option '--model <spec\.json>' not specified/] },
];

describe('usage errors: exit 2, every problem named, nothing written', () => {
  for (const c of usageErrors) {
    test(`${c.env ? `${Object.entries(c.env).map(([k, v]) => `${k}=${v} `).join('')}` : ''}graft ${c.args.join(' ')}`, async () => {
      const before = tree(dir);
      const r = await runGraft(c.args, { cwd: dir, env: { GRAFT_BACKEND: undefined, ...c.env } });
      assert.equal(r.code, 2, `exit code; stderr: ${r.stderr}`);
      for (const want of c.stderr) assert.match(r.stderr, want);
      assert.equal(r.stderr.trim().split('\n').length, c.stderr.length, `one line per problem: ${r.stderr}`);
      assert.equal(r.stdout, '');
      assert.deepEqual(tree(dir), before, 'nothing written');
    });
  }
});

describe('other edges of the command line', () => {
  test('--version prints the version of package.json', async () => {
    const r = await runGraft(['--version']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version);
  });

  test('a config value JSON cannot write (lr: .inf) is shown as the file wrote it, not as null; nothing runs', async () => {
    const before = tree(dir);
    const r = await runGraft(['finetune', '--config', 'inf.yaml'], { cwd: dir });
    assert.equal(r.code, 1, r.stderr + r.stdout);
    const out = r.stdout + r.stderr;
    assert.match(out, /inf\.yaml: lr: expected number > 0, got \.inf$/m);
    assert.match(out, /inf\.yaml: reserveP: expected number in \(0, 1\], got \.nan$/m);
    assert.doesNotMatch(out, /null/);
    assert.deepEqual(tree(dir), before, 'nothing written');
  });

  test('schedule generate --base-max-lr given well writes that lr, and the schedule validates', async () => {
    const r = await runGraft(['schedule', 'generate', '--model', 'bert.json', '--base-max-lr', '2e-5', '--out', 'a-folder/generated.yaml'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.equal((parse(readFileSync(join(dir, 'a-folder', 'generated.yaml'), 'utf8')) as Record<number, { lr?: number }>)[1].lr, 2e-5);
    assert.deepEqual(readdirSync(join(dir, 'a-folder')), ['generated.yaml'], 'no temporary file left');
    const v = await runGraft(['schedule', 'validate', 'a-folder/generated.yaml', '--model', 'bert.json'], { cwd: dir });
    assert.equal(v.code, 0, v.stdout);
    rmSync(join(dir, 'a-folder', 'generated.yaml'));
  });
});
