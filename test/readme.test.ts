// The README's code is what users copy: every ```ts block must type-check and run against the
// package as they import it ('graft', 'graft/optim', …), and every API call the prose names
// (`fit(…)`, `nn.mlpClassifier`, …) must be an export, so README and exports cannot drift apart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import * as graft from 'graft';
import * as optim from 'graft/optim';
import * as props from 'graft/props';
import * as shard from 'graft/shard';

const run = promisify(execFile);
const README = readFileSync('README.md', 'utf8');
const FENCED = /^```(\w*)\n([\s\S]*?)^```$/gm;
const tsBlocks = [...README.matchAll(FENCED)].filter((m) => m[1] === 'ts').map((m) => m[2]);

/** The README's names for the package's modules: `g.` and `o.` as its code imports them, `nn.` and `optim.` as its prose says. */
const NAMESPACES: Readonly<Record<string, object>> = { g: graft, graft, o: optim, optim, nn: graft.nn, shard, props, dsl: graft.dsl };

/** Where a dotted name leads among the exports, or undefined. */
const lookUp = (path: string): unknown => {
  const [head, ...rest] = path.split('.');
  const roots = head in NAMESPACES && rest.length ? [NAMESPACES[head]] : [graft, optim, props, shard].map((m) => (m as Record<string, unknown>)[head]).filter((v) => v !== undefined);
  return roots.map((r) => rest.reduce<unknown>((v, k) => (v === undefined ? undefined : (v as Record<string, unknown>)[k]), r)).find((v) => v !== undefined);
};

test('the README has code blocks to check', () => {
  assert.ok(tsBlocks.length >= 3, `found ${tsBlocks.length} ts blocks`);
});

test('every function the README prose calls is exported by the package', () => {
  const prose = README.replace(FENCED, '');
  const called = new Set<string>();
  for (const [, span] of prose.matchAll(/`([^`\n]+)`/g)) {
    for (const [, path] of span.matchAll(/(?:^|[\s:])([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)\(/g)) {
      // `executable.info()`: a method of a value the README has in hand, not an export
      if (path.includes('.') && !(path.split('.')[0] in NAMESPACES)) continue;
      called.add(path);
    }
    // a dotted name under a module's namespace (`nn.bertClassifier`, `optim.phases.initial`)
    if (/^(nn|optim|o|g)\.[\w.]+$/.test(span)) called.add(span);
  }
  assert.ok(called.has('fit') && called.has('loadScheduledResume'), `found ${[...called].join(', ')}`);
  const missing = [...called].filter((p) => typeof lookUp(p) !== 'function' && typeof lookUp(p) !== 'object');
  assert.deepEqual(missing, [], `the README names these, the package does not export them`);
});

test('every ts block of the README type-checks and runs, importing the package as users do', async () => {
  // inside the package, so 'graft' resolves to it by its own name (package.json "exports")
  const dir = mkdtempSync(join(resolve('.'), '.readme-check-'));
  try {
    const files = tsBlocks.map((code, i) => {
      const file = join(dir, `block${i}.ts`);
      writeFileSync(file, code);
      return file;
    });
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ extends: '../tsconfig.json', include: ['*.ts'] }));
    const tsc = await run(process.execPath, [resolve('node_modules/typescript/bin/tsc'), '-p', dir]).catch((e: { stdout: string }) => e);
    assert.equal(tsc.stdout, '', `README code does not type-check:\n${tsc.stdout}`);
    for (const [i, file] of files.entries()) {
      const out = await run(process.execPath, ['--import', 'tsx', file], { cwd: dir, env: { ...process.env, GRAFT_BACKEND: 'webasm' } }).catch((e: { stderr: string }) => e);
      assert.ok(!('code' in out) || out.code === 0, `README block ${i} failed:\n${tsBlocks[i]}\n${(out as { stderr: string }).stderr}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
