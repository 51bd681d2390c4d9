// Runs one rank program as an MPI job (mpirun -np W, one Node process per rank) and collects every rank's result:
// the multi-process twin of runLocal, for tests and benchmarks on one machine.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as E from 'fp-ts/lib/Either.js';
import { decodeResult } from './result-codec.js';

/** shared/reference/distributed.md's recipe for one machine: loopback only, and yielding ranks so 2 cores are not starved. */
export const LOOPBACK_MPIRUN_ARGS: readonly string[] = [
  ...(process.getuid?.() === 0 ? ['--allow-run-as-root'] : []),
  '--oversubscribe',
  ...['--mca', 'btl_tcp_if_include', 'lo', '--mca', 'oob_tcp_if_include', 'lo', '--mca', 'mpi_yield_when_idle', '1'],
];

export interface MpiRunOptions<I> {
  readonly size: number;
  /** A module whose default export is a RankProgram. */
  readonly entry: URL;
  readonly input: I;
  readonly mpirunArgs?: readonly string[];
}

const RANK_MAIN = fileURLToPath(new URL('./mpi-rank-main.ts', import.meta.url));

/** Every rank's result in rank order, or mpirun's exit status followed by every line the job printed. */
export const runMpi = async <I, R>(options: MpiRunOptions<I>): Promise<E.Either<string[], R[]>> => {
  const dir = mkdtempSync(join(tmpdir(), 'graft-mpi-'));
  try {
    const args = [...(options.mpirunArgs ?? LOOPBACK_MPIRUN_ARGS), '-np', String(options.size), process.execPath, '--import', 'tsx', RANK_MAIN, options.entry.href, JSON.stringify(options.input), dir];
    const child = spawn('mpirun', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const status = await new Promise<string | number>((resolve) => {
      child.on('error', (e) => resolve(`not started (${e.message})`));
      child.on('close', (code, signal) => resolve(code ?? `signal ${signal}`));
    });
    if (status !== 0) return E.left([`mpirun -np ${options.size} exited with ${status}`, ...output.split('\n').filter((l) => l.trim() && !/^-+$/.test(l))]);
    return E.right(Array.from({ length: options.size }, (_, rank) => decodeResult<R>(readFileSync(join(dir, `rank-${rank}.json`), 'utf8'))));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};
