// `graft compile` as a user runs it: a real process writes the module and its types; plain Node (no
// TypeScript loader, outside the repository) imports the module and gets the JIT path's numbers.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { compile } from '../../src/compiler/index.js';
import { createRuntime } from '../../src/runtime/index.js';
import { runGraft } from './graft-process.js';
import * as entry from '../../examples/aot/mnist-mlp.js';

const ENTRY = resolve('examples/aot/mnist-mlp.ts');
const dir = mkdtempSync(join(tmpdir(), 'graft-compile-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const values = (n: number, seed: number): number[] => Array.from({ length: n }, (_, i) => Math.fround(0.05 * Math.sin(seed * 31 + i)));

describe('graft compile (a real process)', () => {
  test('writes <entry>.mjs and .d.mts into --out; plain node runs the module and matches the JIT evaluation bit for bit', async () => {
    const out = join(dir, 'build');
    const r = await runGraft(['compile', ENTRY, '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /compiled 5 programs \(adamw\.init, adamw\.step, evaluate, train\.init, train\.step; \d+ wasm kernels\) for node/);
    assert.deepEqual(readdirSync(out).sort(), ['mnist-mlp.d.mts', 'mnist-mlp.mjs']);
    assert.match(readFileSync(join(out, 'mnist-mlp.d.mts'), 'utf8'), /"evaluate": \{\n {4}feeds: \{\n {6}\/\*\* f32\[64, 784\] \*\/\n {6}readonly "p:layers\.0\.weight": Feed;/);

    const feeds: Record<string, number[]> = { x: values(entry.EVAL * entry.FEATURES, 1).map(Math.abs), y: Array.from({ length: entry.EVAL }, (_, i) => (i * 3) % 10) };
    for (const [k, s] of Object.entries(entry.shapes)) feeds[`p:${k}`] = values(s.reduce((a, b) => a * b, 1), k.length);
    writeFileSync(join(dir, 'feeds.json'), JSON.stringify(feeds));
    // a consumer outside the repository, in plain node: only the module itself is needed
    const script = `const m = await import(${JSON.stringify(join(out, 'mnist-mlp.mjs'))});
      const l = await m.load({ threads: 1 });
      const r = await l.programs.evaluate.run(JSON.parse(require('node:fs').readFileSync('feeds.json', 'utf8')));
      console.log(JSON.stringify({ tag: r._tag, loss: [...new Uint32Array(r.right.loss.buffer)], accuracy: r.right.accuracy[0] }));
      l.destroy();`;
    const printed = JSON.parse(execFileSync(process.execPath, ['--input-type=commonjs', '-e', `(async () => { ${script} })()`], { cwd: dir, encoding: 'utf8' }));
    const rt = await createRuntime({ backend: 'wasm', threads: 1 });
    const jit = rt.load(compile(E.getOrElseW((e: Error) => assert.fail(e.message))(entry.evaluate))).run(feeds);
    const want = E.getOrElseW((e: Error) => assert.fail(e.message))(await jit);
    rt.destroy();
    assert.equal(printed.tag, 'Right');
    assert.deepEqual(printed.loss, [...new Uint32Array(want.loss.buffer)]);
    assert.equal(printed.accuracy, want.accuracy[0]);
  });

  test('usage errors name every problem, exit 2, and write nothing', async () => {
    const out = join(dir, 'nothing.mjs');
    const r = await runGraft(['compile', join(dir, 'missing.ts'), '--out', out, '--target', 'metal', '--platform', 'deno']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--target: 'metal' is not one of wasm, gpujs, webgpu, all/);
    assert.match(r.stderr, /--platform: 'deno' is not one of node, browser/);
    assert.match(r.stderr, /missing\.ts: no such file/);
    assert.equal(existsSync(out), false);
  });

  test('an export that failed to build is named, exit 1, nothing written', async () => {
    const bad = join(dir, 'bad-entry.mts');
    writeFileSync(bad, `import * as g from ${JSON.stringify(resolve('src/index.ts'))};\nexport const ok = g.program({ a: [3] }, ({ a }) => ({ b: g.neg(a) }));\nexport const broken = g.program({ a: [2, 3], b: [4] }, ({ a, b }) => ({ c: g.add(a, b) }));\n`);
    const out = join(dir, 'bad.mjs');
    const r = await runGraft(['compile', bad, '--out', out]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /bad-entry\.mts: export 'broken': building it failed: .*add/);
    assert.equal(existsSync(out), false);
  });
});
