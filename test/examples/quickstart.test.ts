import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

// The README's tour must keep running and saying what it says.
test('examples/quickstart.ts runs and reports its results', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'examples/quickstart.ts'], { env: { ...process.env, GRAFT_BACKEND: 'webasm' } });
  assert.match(stdout, /k0_fused: \[sub mul\] reads 8196 B, writes 4096 B/);
  const err = Number(/max \|error\| vs float64 (\S+)/.exec(stdout)?.[1]);
  assert.ok(err < 1e-6, `error ${err}`);
  assert.match(stdout, /16 steps ran as fused-/);
  assert.match(stdout, /rejected: add: shapes \[2, 3\] and \[4\] do not broadcast/);
});
