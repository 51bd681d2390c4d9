// Auto backend selection is quiet: Dawn's own diagnostics (XDG_RUNTIME_DIR, Vulkan devices it turns down) never
// reach the user's terminal; graft says once, in its own words, why webgpu was not used.
// (Dawn only speaks where a Vulkan loader and driver are installed; elsewhere graft skips it without loading it.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runGraft } from './graft-process.js';

test('graft backend (auto) writes nothing to stderr, and gives one reason when webgpu is not used', async () => {
  const r = await runGraft(['backend'], { env: { GRAFT_BACKEND: undefined } });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '', 'stderr holds nothing (Dawn printed there before)');
  const m = /^backend (webgpu|wasm|webasm|cpu)(?: on .+?)? \(requested auto\)(?:: (.*))?$/.exec(r.stdout.trim());
  assert.ok(m, r.stdout);
  if (m[1] === 'webgpu') assert.equal(m[2], undefined);
  else {
    assert.match(m[2] ?? '', /^webgpu: /);
    assert.equal(m[2]!.match(/webgpu:/g)!.length, 1, 'said once');
  }
});

test('graft backend --json carries the same choice and reason as data', async () => {
  const r = await runGraft(['backend', '--json'], { env: { GRAFT_BACKEND: undefined } });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  const report = JSON.parse(r.stdout) as { requested: string; backend: string; fallbackReason?: string };
  assert.equal(report.requested, 'auto');
  assert.equal(report.fallbackReason === undefined, report.backend === 'webgpu');
});
