// Importing an ahead-of-time module loads no compiler, gpu.js, fp-ts or io-ts, whatever its target:
// a fresh Node process imports the written module, loads it and runs a program, while a module
// hook records every module Node loads; only the module's own file and Node built-ins may appear
// (one thread: with hooks registered, a worker thread never answers Node 20's blocked main thread).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { compileModule } from '../../../src/cli/aot/compile-module.js';
import type { Target } from '../../../src/cli/aot/module-data.js';
import { forbiddenInputs } from '../../../src/cli/aot/bundle.js';
import * as entry from '../../../examples/aot/mnist-mlp.js';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'graft-aot-graph-'));
  // every URL Node loads, appended to a file (hooks run off the main thread)
  writeFileSync(join(dir, 'hooks.mjs'), `import { appendFileSync } from 'node:fs';\nexport async function load(url, context, next) { appendFileSync(process.env.GRAFT_LOADED, url + '\\n'); return next(url, context); }\n`);
  writeFileSync(join(dir, 'register.mjs'), `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(join(dir, 'hooks.mjs')).href)});\n`);
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** Loads `file` in a fresh process (the hooks registered first), runs AdamW's init on it, and returns what Node loaded after the hooks and where it ran. */
const loadedBy = async (file: string, loadOptions: object): Promise<{ loaded: string[]; backend: string }> => {
  const log = join(dir, `${file}.loaded`);
  const script = `const m = await import(${JSON.stringify(pathToFileURL(join(dir, file)).href)}); const l = await m.load(${JSON.stringify(loadOptions)});
const r = await l.programs['adamw.init'].run({ 'p:w': new Float32Array(1000), 'p:b': new Float32Array(37) }); if (r._tag !== 'Right') throw r.left; console.log(l.host.backend); l.destroy();`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', pathToFileURL(join(dir, 'register.mjs')).href, '--input-type=module', '-e', script], { env: { ...process.env, GRAFT_LOADED: log } });
  return { loaded: readFileSync(log, 'utf8').split('\n').filter(Boolean), backend: stdout.trim() };
};

for (const [targets, loadOptions, backend] of [[['wasm'], { threads: 1 }, 'wasm'], [['wasm', 'webgpu'], { threads: 1 }, 'wasm'], [['gpujs'], {}, 'gpujs'], [['wasm', 'gpujs', 'webgpu'], { backend: 'gpujs' }, 'gpujs']] as const) {
  test(`a module of targets ${targets.join(', ')} loads only its own file and Node built-ins (ran on ${backend})`, async () => {
    const compiled = await compileModule({ adamw: entry.adamw }, targets as unknown as Target[], 'node', 'test');
    if (compiled.problems) assert.fail(compiled.problems.join('\n'));
    assert.deepEqual(forbiddenInputs(compiled.module.inputs), []);
    const file = `${targets.join('-')}.mjs`;
    writeFileSync(join(dir, file), compiled.module.code);
    const { loaded, backend: ran } = await loadedBy(file, loadOptions);
    assert.equal(ran, backend);
    assert.ok(loaded.includes(pathToFileURL(join(dir, file)).href) && loaded.some((u) => u.startsWith('node:')), loaded.join('\n'));
    assert.deepEqual(loaded.filter((u) => !u.startsWith('node:') && u !== pathToFileURL(join(dir, file)).href && !u.startsWith('data:')), []);
  });
}
