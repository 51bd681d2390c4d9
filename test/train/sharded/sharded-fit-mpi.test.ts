import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as E from 'fp-ts/lib/Either.js';
import { loadMpiAddon, runLocal, runMpi } from '../../../src/shard/collectives/index.js';
import type { MlpFitInput, MlpFitResult } from './programs/mlp-fit.js';

const PROGRAM = new URL('./programs/mlp-fit.ts', import.meta.url);

const unavailable = (): string | undefined => {
  if (spawnSync('mpirun', ['--version']).error) return 'mpirun not found: apt-get install -y --no-install-recommends openmpi-bin libopenmpi-dev';
  const addon = loadMpiAddon();
  return E.isLeft(addon) ? addon.left : undefined;
};
const why = unavailable();
// CI (GRAFT_REQUIRE_MPI=1) installs Open MPI: there a missing engine is a failure, not a skip
const skip = why !== undefined && process.env.GRAFT_REQUIRE_MPI !== '1' ? why : false;

test('sharded fit over MPI (mpirun -np 2): the same bits as the local engine, on every rank', { skip, timeout: 300_000 }, async () => {
  assert.equal(why, undefined, why);
  const input: MlpFitInput = { strategy: 'FULL_SHARD', microBatches: 2, epochs: 1, optimizer: 'childTuningF', maxGradNorm: 0.5 };
  const mpi = await runMpi<MlpFitInput, MlpFitResult>({ size: 2, entry: PROGRAM, input });
  if (E.isLeft(mpi)) assert.fail(mpi.left.join('\n'));
  const local = await runLocal<MlpFitInput, MlpFitResult>({ size: 2, entry: PROGRAM, input });
  if (E.isLeft(local)) assert.fail(local.left.join('\n'));
  const [l] = local.right;
  if (!l.ok) assert.fail(l.message);
  for (const r of mpi.right) {
    if (!r.ok) assert.fail(r.message);
    assert.deepEqual(r.losses, l.losses);
    for (const k of Object.keys(l.params)) assert.deepEqual(new Uint32Array(r.params[k].buffer, r.params[k].byteOffset, r.params[k].length), new Uint32Array(l.params[k].buffer, l.params[k].byteOffset, l.params[k].length), k);
  }
});
