// Loads the in-tree Open MPI addon (built by build.mjs during npm install), or says why it is unavailable and how to get it.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import * as E from 'fp-ts/lib/Either.js';

/** The C++ side (mpi_addon.cc): request ids for non-blocking collectives, polled with testFor. */
export interface MpiAddon {
  /** MPI_Init and a barrier; ends the process with a message when not every rank joined within joinTimeoutMs (default 60 s). */
  init(joinTimeoutMs?: number): { rank: number; size: number };
  iallgather(send: Float32Array, recv: Float32Array): number;
  ialltoall(send: Float32Array, recv: Float32Array, block: number): number;
  /** MPI_SUM in MPI's own order: for benchmarking raw MPI only; graft's sums use the fixed tree order. */
  iallreduceSum(send: Float32Array, recv: Float32Array): number;
  /** MPI_Reduce_scatter_block with MPI_SUM (recv: send.length / size floats): for benchmarking raw MPI only. */
  ireduceScatterSum(send: Float32Array, recv: Float32Array): number;
  ibcast(buffer: Float32Array, root: number): number;
  ibarrier(): number;
  /** True once the request completed; tries for at most `micros` microseconds, yielding the core between tries. */
  testFor(id: number, micros: number): boolean;
  abort(code: number): void;
  finalize(): void;
  version(): string;
}

export const MPI_INSTALL_HINT =
  'install Open MPI (Debian/Ubuntu: apt-get install -y --no-install-recommends openmpi-bin libopenmpi-dev), then run `npm run build:mpi`';

export const ADDON_PATH = new URL('./build/Release/graft_mpi.node', import.meta.url);

let loaded: E.Either<string, MpiAddon> | undefined;

export const loadMpiAddon = (): E.Either<string, MpiAddon> => {
  if (loaded) return loaded;
  if (!existsSync(ADDON_PATH)) loaded = E.left(`the Open MPI engine is unavailable: its addon was not built (${ADDON_PATH.pathname} is missing); ${MPI_INSTALL_HINT}`);
  else
    try {
      loaded = E.right(createRequire(import.meta.url)(ADDON_PATH.pathname) as MpiAddon);
    } catch (e) {
      loaded = E.left(`the Open MPI engine is unavailable: loading ${ADDON_PATH.pathname} failed (${e instanceof Error ? e.message : e}); ${MPI_INSTALL_HINT}`);
    }
  return loaded;
};
