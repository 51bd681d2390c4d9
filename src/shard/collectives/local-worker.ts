// The module a local rank's worker loads: build the rank's Collectives, run the entry program, post its result.
import { parentPort, workerData } from 'node:worker_threads';
import type { RankProgram, RankWorkerData } from './local-launch.js';
import { localRank } from './local-rank.js';

const data = workerData as RankWorkerData;
const program = (await import(data.entry)).default as RankProgram<unknown, unknown>;
const collectives = localRank(data.shared, data.rank);
parentPort!.postMessage(await program(collectives, data.input));
