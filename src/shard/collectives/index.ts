// Collectives for sharded training: one interface, a local engine (worker threads over shared memory) and an Open MPI engine.
export type { Collectives, CollectiveFailure, CollectiveOp, CollectiveResult } from './collectives.js';
export { failureMessage } from './collectives.js';
export { treeSum, treeSumInto, sumIsShardInvariant } from './fixed-order-sum.js';
export type { RankProgram, LocalRunOptions } from './local-launch.js';
export { runLocal } from './local-launch.js';
export type { MpiOptions } from './mpi-engine.js';
export { openMpi } from './mpi-engine.js';
export { loadMpiAddon, MPI_INSTALL_HINT } from './mpi/addon.js';
export type { MpiRunOptions } from './mpi-launch.js';
export { runMpi, LOOPBACK_MPIRUN_ARGS } from './mpi-launch.js';
export type { ByteTally } from './counting.js';
export { countingCollectives } from './counting.js';
