// The module a local rank's worker loads: build the rank's Collectives, run the entry program, post its result.
import { parentPort, workerData } from 'node:worker_threads';
import type { RankProgram, RankWorkerData } from './local-launch.js';
import * as E from 'fp-ts/lib/Either.js';
import { joinLocalRun } from './local-rank.js';

const data = workerData as RankWorkerData;
const program = (await import(data.entry)).default as RankProgram<unknown, unknown>;
const collectives = await joinLocalRun(data.shared, data.rank);
parentPort!.postMessage(E.isLeft(collectives) ? collectives : await program(collectives.right, data.input));
