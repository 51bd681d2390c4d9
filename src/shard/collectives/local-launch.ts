// Runs one program on W worker threads that share memory: the main thread only starts the ranks, marks a rank that
// exits as departed (so its peers fail at once, naming it, instead of waiting) and collects every rank's result.
import { Worker } from 'node:worker_threads';
import * as E from 'fp-ts/lib/Either.js';
import type { CollectiveFailure, Collectives } from './collectives.js';
import { failureMessage } from './collectives.js';
import { createLocalShared, markDeparted, type LocalShared } from './local-shared.js';

/** What a local run's entry module exports as default: one rank's program. */
export type RankProgram<I, R> = (collectives: Collectives, input: I) => Promise<E.Either<CollectiveFailure, R>>;

export interface LocalRunOptions<I> {
  readonly size: number;
  /** A module whose default export is a RankProgram (a .ts module is loaded through tsx). */
  readonly entry: URL;
  readonly input: I;
  /** Floats per rank slot in shared memory (default 1 Mi = 4 MiB). */
  readonly slotFloats?: number;
  /** How long a rank waits for a live peer that does not arrive at a collective (default 60 s). */
  readonly timeoutMs?: number;
  /** How long the ranks wait for every worker to start (default 120 s). */
  readonly startTimeoutMs?: number;
}

export interface RankWorkerData {
  readonly shared: LocalShared;
  readonly rank: number;
  readonly entry: string;
  readonly input: unknown;
  readonly tsx: string | undefined;
}

type RankOutcome<R> = { readonly kind: 'done'; readonly result: E.Either<CollectiveFailure, R> } | { readonly kind: 'lost'; readonly message: string };

// Workers do not inherit tsx's hooks: register them before loading any .ts module; rethrown errors reach the 'error' event.
const BOOTSTRAP = `const { workerData } = require('node:worker_threads');
(workerData.tsx ? import(workerData.tsx).then((api) => api.register()) : Promise.resolve())
  .then(() => import(workerData.rankModule))
  .catch((e) => setImmediate(() => { throw e; }));`;

const usesTs = (entry: URL) => import.meta.url.endsWith('.ts') || entry.pathname.endsWith('.ts');

const runRank = <R>(shared: LocalShared, rank: number, entry: URL, input: unknown): Promise<RankOutcome<R>> =>
  new Promise((resolve) => {
    const rankModule = new URL(`./local-worker.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url).href;
    const workerData: RankWorkerData & { rankModule: string } = { shared, rank, entry: entry.href, input, tsx: usesTs(entry) ? import.meta.resolve('tsx/esm/api') : undefined, rankModule };
    const worker = new Worker(BOOTSTRAP, { eval: true, workerData, execArgv: [] });
    let outcome: RankOutcome<R> | undefined;
    let error: unknown;
    worker.on('message', (result: E.Either<CollectiveFailure, R>) => (outcome = { kind: 'done', result }));
    worker.on('error', (e) => (error = e));
    worker.on('exit', (code) => {
      markDeparted(shared, rank, code);
      const why = error instanceof Error ? `: ${error.message}` : '';
      resolve(outcome ?? { kind: 'lost', message: `rank ${rank}: worker exited (code ${code}) without a result${why}` });
    });
  });

/** Every rank's result in rank order, or every problem: lost ranks and the failures their peers saw. */
export const runLocal = async <I, R>(options: LocalRunOptions<I>): Promise<E.Either<string[], R[]>> => {
  const shared = createLocalShared(options.size, options.slotFloats ?? 2 ** 20, options.timeoutMs ?? 60_000, options.startTimeoutMs ?? 120_000);
  if (E.isLeft(shared)) return shared;
  const outcomes = await Promise.all(Array.from({ length: options.size }, (_, rank) => runRank<R>(shared.right, rank, options.entry, options.input)));
  const problems = outcomes.flatMap((o) => (o.kind === 'lost' ? [o.message] : E.isLeft(o.result) ? [failureMessage(o.result.left)] : []));
  return problems.length ? E.left(problems) : E.right(outcomes.map((o) => (o.kind === 'done' && E.isRight(o.result) ? o.result.right : (undefined as never))));
};
