// How many threads wasm kernels run on; no compiler imports, so ahead-of-time modules share it.
import { availableParallelism } from 'node:os';

export const THREADS_ENV = 'GRAFT_THREADS';

/** The thread count: the option, else $GRAFT_THREADS, else the machine's parallelism. */
export const threadCount = (option: number | undefined): number => {
  const raw = option ?? process.env[THREADS_ENV];
  if (raw === undefined || raw === '') return availableParallelism();
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 256) {
    throw new Error(`${option !== undefined ? 'threads option' : `$${THREADS_ENV}`}: '${raw}' is not a thread count (an integer from 1 to 256)`);
  }
  return n;
};
