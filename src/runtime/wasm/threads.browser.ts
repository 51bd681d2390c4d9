// The browser bundle's stand-in for threads.ts (node:os, process.env): one thread, the caller's.
export const THREADS_ENV = 'GRAFT_THREADS';

export const threadCount = (option: number | undefined): number => {
  if (option !== undefined && option !== 1) throw new Error(`threads option: ${option}, but the browser bundle runs kernels on the calling thread (threads: 1)`);
  return 1;
};
