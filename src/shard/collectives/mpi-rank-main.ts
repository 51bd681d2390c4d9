// One MPI rank of runMpi: `node --import tsx mpi-rank-main.ts PROGRAM INPUT_JSON OUT_DIR`, started by mpirun.
// Runs the rank program and writes OUT_DIR/rank-R.json (float32 arrays bit for bit); a failure goes to stderr, exit 1.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { failureMessage } from './collectives.js';
import type { RankProgram } from './local-launch.js';
import { openMpi } from './mpi-engine.js';
import { encodeResult } from './result-codec.js';

const [entry, inputJson, outDir] = process.argv.slice(2);
const mpi = openMpi();
if (E.isLeft(mpi)) {
  console.error(mpi.left);
  process.exit(2);
}
const c = mpi.right;
const program = (await import(entry)).default as RankProgram<unknown, unknown>;
const result = await program(c, JSON.parse(inputJson));
if (E.isLeft(result)) {
  console.error(failureMessage(result.left));
  process.exit(1);
}
writeFileSync(join(outDir, `rank-${c.rank}.json`), encodeResult(result.right));
await c.close();
