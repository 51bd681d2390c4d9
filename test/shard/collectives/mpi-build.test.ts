import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BUILD = fileURLToPath(new URL('../../../src/shard/collectives/mpi/build.mjs', import.meta.url));

/** Runs the install step with a PATH that holds only node, as on a machine without Open MPI. */
const buildWithoutMpi = (env: Record<string, string>) => {
  const bin = mkdtempSync(join(tmpdir(), 'graft-no-mpi-'));
  try {
    symlinkSync(process.execPath, join(bin, 'node'));
    return spawnSync(join(bin, 'node'), [BUILD], { encoding: 'utf8', env: { PATH: bin, ...env } });
  } finally {
    rmSync(bin, { recursive: true, force: true });
  }
};

const MESSAGE =
  'graft: the Open MPI collectives engine was not built: mpicc was not found (Open MPI and its headers are not installed). The local engine works without it; to enable it: apt-get install -y --no-install-recommends openmpi-bin libopenmpi-dev, then npm run build:mpi.\n';

test('install step without mpicc: exits 0 so npm ci succeeds, and says how to get the MPI engine', () => {
  const run = buildWithoutMpi({});
  assert.equal(run.status, 0);
  assert.equal(run.stderr, MESSAGE);
});

test('install step without mpicc under GRAFT_REQUIRE_MPI=1 (CI): the same message, exit 1', () => {
  const run = buildWithoutMpi({ GRAFT_REQUIRE_MPI: '1' });
  assert.equal(run.status, 1);
  assert.equal(run.stderr, MESSAGE);
});
