// The control block kernel threads share with their caller, one layout for Node's worker_threads
// (pool.ts) and a page's Web Workers (aot/web-pool.ts): a slot of SLOT i32 per worker holding
// sequence, command, kernel, begin, end, argument count, arguments, failure flag, last sequence done.
export const SLOT = 64;
/** Arguments that fit a slot (kernel IR keeps kernels within MAX_KERNEL_BUFFERS, 48). */
export const MAX_ARGS = 55;
/**
 * Slot word holding the sequence number of a run job no thread has started: the worker swaps it for its negation as it
 * starts, and a caller may withdraw it (0) first, for a kernel whose units are claimed from a counter, once all are.
 */
export const CLAIM = 61;
/** Commands. */
export const RUN = 1;
export const SYNC = 2;
export const EXIT = 3;
/** Spin iterations before sleeping (Atomics.wait, or waitAsync in a page's worker). */
export const SPIN = 2000;
