// Creating a webgpu runtime where XDG_RUNTIME_DIR is unset prints nothing from Dawn on stderr,
// and a user's own XDG_RUNTIME_DIR is left as it is.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { webgpuSuite } from './adapter.js';

const SCRIPT = `
import { createRuntime } from './src/runtime/index.ts';
const before = process.env.XDG_RUNTIME_DIR;
const rt = await createRuntime({ backend: 'webgpu' });
console.log(JSON.stringify({ backend: rt.report.backend, before: before ?? null, after: process.env.XDG_RUNTIME_DIR ?? null }));
rt.destroy();
`;

const run = (xdg: string | undefined) => {
  const env = { ...process.env };
  delete env.XDG_RUNTIME_DIR;
  if (xdg !== undefined) env.XDG_RUNTIME_DIR = xdg;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', SCRIPT], { env, encoding: 'utf8', timeout: 120_000 });
  return { out: JSON.parse(r.stdout.trim().split('\n').pop() ?? 'null') as { backend: string; before: string | null; after: string | null }, stderr: r.stderr };
};

webgpuSuite('webgpu runtime: Dawn\'s environment', () => {
  it('with XDG_RUNTIME_DIR unset, creating a webgpu runtime writes nothing about it to stderr', () => {
    const { out, stderr } = run(undefined);
    assert.equal(out.backend, 'webgpu');
    assert.equal(out.before, null);
    assert.ok(out.after, 'graft set a private folder');
    assert.doesNotMatch(stderr, /XDG_RUNTIME_DIR/);
  });

  it('a user\'s own XDG_RUNTIME_DIR is kept', () => {
    const { out } = run(process.cwd());
    assert.equal(out.after, process.cwd());
  });
});
