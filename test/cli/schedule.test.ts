import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runScheduleCheck, runScheduleGenerate } from '../../src/cli/schedule.js';
import { bertSpec } from '../../src/shard/index.js';

let dir: string;
const file = (name: string, text: string) => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};
const capture = () => {
  const lines: string[] = [];
  return { out: (l: string) => lines.push(l), text: () => lines.join('\n') };
};

// FTS's usual shape for BERT: head first, then the top layers, then the rest with the embeddings
const SCHEDULE = `0:
  params:
    - classifier.*
    - bert.pooler.*
1:
  params:
    - bert.encoder.layer.1[01]\\..*
  max_transition_epoch: 3
  lr: 1.0e-5
2:
  params:
    - bert.encoder.layer.[0-9]\\..*
    - bert.embeddings.*
  max_transition_epoch: 6
`;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'graft-schedule-'));
  file('bert.json', JSON.stringify(bertSpec(12)));
  file('layers-only.json', JSON.stringify({ classes: ['BertLayer'] }));
  file('own-units.json', JSON.stringify({ classes: ['BertLayer', 'BertEmbeddings', 'BertPooler'], names: ['classifier'] }));
  file('schedule.yaml', SCHEDULE);
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('graft schedule validate', () => {
  it('BERT: rejected while embeddings, pooler and classifier share the root unit; the error names each parameter and the fix', () => {
    const c = capture();
    const code = runScheduleCheck(join(dir, 'schedule.yaml'), { model: join(dir, 'bert.json'), wrap: join(dir, 'layers-only.json') }, false, c.out);
    assert.equal(code, 1);
    for (const p of ['bert.embeddings.word_embeddings.weight', 'bert.pooler.dense.weight', 'classifier.bias']) assert.match(c.text(), new RegExp(`${p.replace(/\./g, '\\.')}\\s+phase \\d\\s+\\(buffer of root unit\\)`));
    assert.match(c.text(), /unwrapped modules land in the root unit/);
    assert.match(c.text(), /wrap separately: phase 0: bert\.pooler, classifier; phase 2: bert\.embeddings/);
    assert.match(c.text(), /phase 0 thaws no wrapped unit/);
    assert.match(c.text(), /invalid: 2 problems/);
  });

  it('BERT: accepted once they have units of their own, with the layout over 4 ranks', () => {
    const c = capture();
    const code = runScheduleCheck(join(dir, 'schedule.yaml'), { model: join(dir, 'bert.json'), wrap: join(dir, 'own-units.json'), worldSize: 4 }, false, c.out);
    assert.equal(code, 0, c.text());
    assert.match(c.text(), /valid: 3 phases \(parameters per phase 4, 32, 165\); phases are disjoint over 16 flat units/);
    // embeddings: 30522·768 + 512·768 + 2·768 + 2·768 = 23,837,184 elements, 5,959,296 per rank
    assert.match(c.text(), /'bert\.embeddings' \(BertEmbeddings\): 23837184 elements, 5959296 per rank over 4 ranks \(0 padding\)/);
  });

  it('--json carries errors, notices, the assignment and the disjointness problems as data', () => {
    const c = capture();
    runScheduleCheck(join(dir, 'schedule.yaml'), { model: join(dir, 'bert.json'), wrap: join(dir, 'layers-only.json'), json: true }, false, c.out);
    const r = JSON.parse(c.text());
    assert.equal(r.ok, false);
    assert.equal(r.assignment['classifier.weight'], 0);
    assert.equal(r.assignment['bert.encoder.layer.11.output.dense.weight'], 1);
    assert.deepEqual(r.disjointness.problems.map((p: { kind: string }) => p.kind).sort(), ['buffer-spans-phases', 'phase0-unwrapped'].sort());
  });

  // FTS warns about these and trains anyway (fts_supporters.py:920, :755 and :642, speediedan/finetuning-scheduler@ceae3f0)
  it('warnings print, in text and --json, and leave the exit code 0', async () => {
    const warned = file('warned.yaml', `${SCHEDULE.replace('    - bert.pooler.*\n', '    - bert.pooler.*\n  lr: 0.1\n')}  new_lr_scheduler:
    lr_scheduler_init: {class_path: torch.optim.lr_scheduler.StepLR, init_args: {step_size: 1}}
    pl_lrs_cfg: {interval: epoch, every: 2}
    init_pg_lrs: [1.0e-5, 1.0e-5, 1.0e-5]
`);
    const o = { model: join(dir, 'bert.json'), wrap: join(dir, 'own-units.json') };
    const c = capture();
    assert.equal(runScheduleCheck(warned, o, false, c.out), 0, c.text());
    // `warning: <file>:<line>:<column> <path>: <message>`, located like errors
    const warnings = c.text().split('\n').filter((l) => l.startsWith(`warning: ${warned}:`));
    assert.deepEqual(warnings.map((l) => l.split(' ').slice(1, 3).join(' ').slice(warned.length)), [':5:7 0.lr:', ':18:17 2.new_lr_scheduler.pl_lrs_cfg:', ':19:18 2.new_lr_scheduler.init_pg_lrs:']);
    assert.match(c.text(), /valid: 3 phases/);
    const j = capture();
    assert.equal(runScheduleCheck(warned, { ...o, json: true }, false, j.out), 0);
    const r = JSON.parse(j.text());
    assert.deepEqual([r.ok, r.errors, r.warnings.map((w: { code: string }) => w.code)], [true, [], ['lr-ignored', 'unknown-pl-lrs-key', 'init-pg-lrs-count']]);
    const run = promisify(execFile);
    const cli = await run(process.execPath, ['bin/graft.mjs', 'schedule', 'validate', warned, '--model', o.model, '--wrap', o.wrap]);
    assert.match(cli.stdout, /^warning: .*init_pg_lrs of phase 2 sets 3 lr\(s\)/m);
  });

  it('every unreadable input is reported at once, naming file and place, before any check', () => {
    const dup = file('dup.yaml', '0:\n  params: [classifier.weight]\n0:\n  params: [bert.pooler.dense.bias]\n');
    const badSpec = file('bad-spec.json', JSON.stringify({ modules: [{ name: '', class: 'M' }], parameters: [{ name: 'w', shape: [2, -1], module: 'nowhere' }] }));
    const c = capture();
    const code = runScheduleCheck(dup, { model: badSpec, wrap: join(dir, 'missing.json'), worldSize: 0 }, false, c.out);
    assert.equal(code, 1);
    assert.match(c.text(), /bad-spec\.json: parameters\[0\]\.shape\[1\]: expected non-negative integer, got -1/);
    assert.match(c.text(), /dup\.yaml:3:1 0: duplicate key '0'/);
    const j = capture();
    runScheduleCheck(dup, { model: badSpec, json: true }, false, j.out);
    const dupProblem = (JSON.parse(j.text()) as { inputProblems: Array<{ file: string; path: string; line?: number; column?: number }> }).inputProblems.find((p) => p.file === dup);
    assert.deepEqual(dupProblem && [dupProblem.path, dupProblem.line, dupProblem.column], ['0', 3, 1]);
    assert.match(c.text(), /missing\.json: \(file\): no such file/);
    assert.match(c.text(), /--world-size: \(option\): expected a whole number >= 1, got 0/);
  });

  it('a regex that does not compile, and an entry that matches nothing, are reported with file, line and path', () => {
    const s = file('bad-regex.yaml', '0:\n  params:\n    - classifier.*\n    - bert.pooler.(\n1:\n  params: ["nothing.here"]\n');
    const c = capture();
    assert.equal(runScheduleCheck(s, { model: join(dir, 'bert.json') }, false, c.out), 1);
    assert.match(c.text(), /^error: .*bad-regex\.yaml:4:7 0\.params\[1\]: entry 'bert\.pooler\.\(' of phase 0 is not a parameter name and not a valid regular expression/m);
    assert.match(c.text(), /^error: .*bad-regex\.yaml:6:12 1\.params\[0\]: entry 'nothing\.here' of phase 1 matches no parameter/m);
    const j = capture();
    runScheduleCheck(s, { model: join(dir, 'bert.json'), json: true }, false, j.out);
    assert.deepEqual((JSON.parse(j.text()) as { errors: Array<{ path: string; line?: number; column?: number }> }).errors.map((e) => [e.path, e.line, e.column]), [['0.params[1]', 4, 7], ['1.params[0]', 6, 12]]);
  });

  it('one location format for every problem, `1 problem` in the singular, and a YAML syntax error as one line', () => {
    const s = file('re.yaml', '0:\n  params:\n    - classifier.weight\n1:\n  params:\n    - bert.pooler.(dense\n');
    const c = capture();
    assert.equal(runScheduleCheck(s, { model: join(dir, 'bert.json') }, false, c.out), 1);
    assert.match(c.text(), /^error: .*re\.yaml:6:7 1\.params\[0\]: entry 'bert\.pooler\.\(dense'/m);
    assert.match(c.text(), /^notice: .*re\.yaml: \(root\): \d+ parameter\(s\) appear in no phase/m);
    assert.match(c.text(), /^invalid: 1 problem$/m);
    const tab = file('tab.yaml', '0:\n  params:\n\t- classifier.weight\n');
    const t = capture();
    assert.equal(runScheduleCheck(tab, { model: join(dir, 'bert.json') }, false, t.out), 1);
    assert.equal(t.text(), `error: ${tab}:3:1: not valid YAML: Tabs are not allowed as indentation`);
  });

  it('explain lists what each entry matched, flagging prefix-only regex matches', () => {
    const s = file('prefix.yaml', '0:\n  params:\n    - classifier\n    - bert.pooler.dense.weight\n');
    const c = capture();
    runScheduleCheck(s, { model: join(dir, 'bert.json') }, true, c.out);
    assert.match(c.text(), /params\[0\] 'classifier' \(regex\), 2 match\(es\):\n {4}classifier\.weight {3}<- prefix match only/);
    assert.match(c.text(), /notice: .*prefix/);
  });
});

describe('graft schedule generate', () => {
  it('writes the implicit schedule atomically; it validates and reads back', () => {
    const out = join(dir, 'generated.yaml');
    const c = capture();
    assert.equal(runScheduleGenerate({ model: join(dir, 'bert.json'), out }, c.out), 0);
    assert.match(c.text(), /wrote 101 phases/);
    assert.deepEqual(readdirSync(dir).filter((f) => f.includes('.tmp')), []);
    const v = capture();
    assert.equal(runScheduleCheck(out, { model: join(dir, 'bert.json') }, false, v.out), 0, v.text());
    assert.match(v.text(), /valid: 101 phases \(201 parameters scheduled\)/);
  });

  it('the command line exits 1 on problems', async () => {
    const run = promisify(execFile);
    const args = ['bin/graft.mjs', 'schedule', 'validate', join(dir, 'schedule.yaml'), '--model', join(dir, 'bert.json'), '--wrap', join(dir, 'layers-only.json')];
    await assert.rejects(run(process.execPath, args), (e: { code?: number; stdout?: string }) => e.code === 1 && /invalid: 2 problems/.test(e.stdout ?? ''));
    const ok = await run(process.execPath, [...args.slice(0, -1), join(dir, 'own-units.json'), '--json']);
    assert.equal(JSON.parse(ok.stdout).ok, true);
  });
});
