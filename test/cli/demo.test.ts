// `graft demo` as a user runs it: it says what it is doing before each slow step, and honours $GRAFT_BACKEND.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runGraft } from './graft-process.js';

test('GRAFT_BACKEND=webasm graft demo runs webasm alone, announcing each step before its results, within float32 error of float64', async () => {
  const r = await runGraft(['demo'], { env: { GRAFT_BACKEND: 'webasm' } });
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split('\n');
  const at = (re: RegExp) => {
    const i = lines.findIndex((l) => re.test(l));
    assert.ok(i >= 0, `no line matching ${re} in:\n${r.stdout}`);
    return i;
  };
  // progress first, then what it measured
  assert.ok(at(/^float64 reference: interpreting both programs/) < at(/^float64 reference: done in \d+\.\d s$/));
  assert.ok(at(/^float64 reference: done/) < at(/^webasm: building the kernels and running both programs/));
  assert.ok(at(/^webasm: building/) < at(/^webasm: mlp forward ran on webasm\//));
  assert.ok(at(/^webasm: mlp forward/) < at(/^webasm: done in \d+\.\d s/));
  assert.deepEqual(lines.filter((l) => /^(cpu|webgpu):/.test(l)), [], 'the requested backend runs alone');
  // f32 kernels against the float64 reference: the errors the demo reports stay at float32 rounding
  for (const m of r.stdout.matchAll(/max \|error\| (\S+) vs float64/g)) assert.ok(Number(m[1]) < 1e-5, m[0]);
  assert.equal([...r.stdout.matchAll(/max \|error\|/g)].length, 2);
});
