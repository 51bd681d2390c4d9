// A rank program whose module takes 4 s to load on rank 1 (top-level await), as a worker stuck while starting would.
import { workerData } from 'node:worker_threads';
import type { Collectives } from '../../../../src/shard/collectives/index.js';

if ((workerData as { rank: number }).rank === 1) await new Promise((r) => setTimeout(r, 4000));

export default (c: Collectives) => c.barrier();
