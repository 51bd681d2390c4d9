import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

// The example shows users how to property-test their own schedule; it must keep passing.
test('examples/custom-schedule.ts property-tests a schedule with the exported laws', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'examples/custom-schedule.ts']);
  assert.match(stdout, /every law held for 60 random depths/);
});
