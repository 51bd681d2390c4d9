#!/usr/bin/env node
// Builds the Open MPI addon where mpicc and a C++ compiler exist; elsewhere says why not and exits 0, so `npm ci`
// never fails for want of MPI. GRAFT_REQUIRE_MPI=1 (set by .ci/run) turns a missing or failed build into exit 1.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const required = process.env.GRAFT_REQUIRE_MPI === '1';
const HINT = 'to enable it: apt-get install -y --no-install-recommends openmpi-bin libopenmpi-dev, then npm run build:mpi';

const giveUp = (why) => {
  console.error(`graft: the Open MPI collectives engine was not built: ${why}. The local engine works without it; ${HINT}.`);
  process.exit(required ? 1 : 0);
};

const mpicc = spawnSync('mpicc', ['--showme:version'], { encoding: 'utf8' });
if (mpicc.error) giveUp('mpicc was not found (Open MPI and its headers are not installed)');

// npm points scripts at its bundled node-gyp; run outside npm, use the one shipped with npm next to this node
const nodeGyp = process.env.npm_config_node_gyp ?? join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
if (!existsSync(nodeGyp)) giveUp(`node-gyp was not found at ${nodeGyp}`);
// headers installed with node (as on Debian's node images) mean node-gyp needs no download
const localHeaders = join(dirname(process.execPath), '..', 'include', 'node', 'node_api.h');
const nodedir = process.env.npm_config_nodedir ?? (existsSync(localHeaders) ? join(dirname(process.execPath), '..') : undefined);
const args = [nodeGyp, 'rebuild', `--directory=${here}`, ...(nodedir ? [`--nodedir=${nodedir}`] : [])];
const built = spawnSync(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
if (built.status !== 0) giveUp(`node-gyp failed (exit ${built.status}):\n${built.stdout}${built.stderr}`);
console.error(`graft: built the Open MPI collectives engine (${mpicc.stdout.trim()})`);
