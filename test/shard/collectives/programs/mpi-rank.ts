// One MPI rank running a rank program: `node --import tsx mpi-rank.ts PROGRAM INPUT_JSON OUT_DIR` under mpirun.
// Writes OUT_DIR/rank-R.json (float32 arrays as base64 bytes, so results compare bit for bit); failures go to stderr.
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as E from 'fp-ts/lib/Either.js';
import { failureMessage } from '../../../../src/shard/collectives/index.js';
import { openMpi } from '../../../../src/shard/collectives/mpi-engine.js';
import type { RankProgram } from '../../../../src/shard/collectives/index.js';
import { encodeResult } from './encode.js';

const [programPath, inputJson, outDir] = process.argv.slice(2);
const mpi = openMpi({ timeoutMs: 30_000 });
if (E.isLeft(mpi)) {
  console.error(mpi.left);
  process.exit(2);
}
const c = mpi.right;
const program = (await import(pathToFileURL(resolve(programPath)).href)).default as RankProgram<unknown, unknown>;
const result = await program(c, JSON.parse(inputJson));
if (E.isLeft(result)) {
  console.error(failureMessage(result.left));
  process.exit(1);
}
writeFileSync(join(outDir, `rank-${c.rank}.json`), encodeResult(result.right));
await c.close();
