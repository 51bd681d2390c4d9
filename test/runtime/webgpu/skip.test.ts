// Where no WebGPU adapter exists the webgpu suites skip, saying why and how to get one; with
// GRAFT_REQUIRE_WEBGPU=1 (CI) they fail instead. Checked by running a suite with the Vulkan
// loader pointed at no driver.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

// a child of the test runner reports to it, not to stdout, unless NODE_TEST_CONTEXT is cleared
const { NODE_TEST_CONTEXT: _, ...env } = process.env;
const suite = (require: boolean) =>
  spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', 'test/runtime/webgpu/runtime.test.ts'], {
    env: { ...env, VK_ICD_FILENAMES: '/nonexistent/no-driver.json', GRAFT_REQUIRE_WEBGPU: require ? '1' : '' },
    encoding: 'utf8',
    timeout: 300_000,
  });

test('no adapter: the webgpu suites skip with the reason and the install hint; GRAFT_REQUIRE_WEBGPU=1 fails them', () => {
  const skipped = suite(false);
  assert.equal(skipped.status, 0, skipped.stdout + skipped.stderr);
  assert.match(skipped.stdout, /SKIP|skipped/i);
  assert.match(skipped.stdout, /no WebGPU adapter: webgpu: .*apt-get install libvulkan1 chromium/);
  assert.match(skipped.stdout, /pass 0/);
  const required = suite(true);
  assert.notEqual(required.status, 0);
  assert.match(required.stdout, /needs a WebGPU adapter \(GRAFT_REQUIRE_WEBGPU=1\)/);
});
